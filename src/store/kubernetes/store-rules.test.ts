import { describe, expect, it } from 'vitest';
import { newRequest } from '../../requests/request-rules.js';
import type { KeyRequest, RequestState } from '../../requests/request-types.js';
import { encodeSecret } from './secret-codec.js';
import { computeStats, decodeCursor, encodeCursor, newestFirst, sameContent } from './store-rules.js';

function stored(
  id: string,
  createdAt: string,
  patch: Partial<Pick<KeyRequest, 'state' | 'handledState' | 'updatedAt'>> = {},
): KeyRequest {
  return {
    ...newRequest({ id, email: `${id}@example.com`, model: 'm1' }, createdAt),
    ...patch,
    version: '1',
  };
}

describe('computeStats', () => {
  it('counts every state, and the queue of requests still owed work', () => {
    const handled = (state: RequestState) => ({ state, handledState: state });
    const stats = computeStats([
      stored('a', '2025-01-01T00:00:00.000Z'),
      stored('b', '2025-01-01T00:00:01.000Z', handled('denied')),
      stored('c', '2025-01-01T00:00:02.000Z', handled('approved')),
      stored('d', '2025-01-01T00:00:03.000Z', { state: 'approved', handledState: 'in-review' }),
      stored('e', '2025-01-01T00:00:04.000Z', handled('revoked')),
    ]);
    expect(stats.byState).toEqual({ pending: 1, approved: 2, denied: 1, 'in-review': 0, revoked: 1 });
    expect(stats.queueDepth).toBe(2);
  });

  it('dates the oldest waiting request by its last visible change, not its creation', () => {
    const stats = computeStats([
      stored('old-but-touched', '2025-01-01T00:00:00.000Z', {
        state: 'approved',
        handledState: 'in-review',
        updatedAt: '2025-01-03T00:00:00.000Z',
      }),
      stored('newer', '2025-01-02T00:00:00.000Z'),
      stored('settled', '2024-01-01T00:00:00.000Z', { state: 'denied', handledState: 'denied' }),
    ]);
    expect(stats.oldestWaitingAt).toBe(Date.parse('2025-01-02T00:00:00.000Z'));
  });

  it('has no oldest waiting time when nothing waits', () => {
    expect(computeStats([])).toEqual({
      byState: { pending: 0, approved: 0, denied: 0, 'in-review': 0, revoked: 0 },
      queueDepth: 0,
      oldestWaitingAt: null,
    });
  });
});

describe('newestFirst', () => {
  it('orders by creation time, newest first, then by id (descending) on a tie', () => {
    const requests = [
      stored('b', '2025-01-01T00:00:00.000Z'),
      stored('c', '2025-01-02T00:00:00.000Z'),
      stored('a', '2025-01-02T00:00:00.000Z'),
      stored('d', '2024-12-31T00:00:00.000Z'),
    ];
    expect([...requests].sort(newestFirst).map((r) => r.id)).toEqual(['c', 'a', 'b', 'd']);
  });
});

describe('list cursors', () => {
  it('decode to the position they were made from', () => {
    const request = stored('6f1c2a9e-0d4b-4c1e-9a57-3b2d8f0e1a2b', '2025-01-02T03:04:05.678Z');
    const cursor = encodeCursor(request);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ createdAt: request.createdAt, id: request.id });
  });

  it('resume after the cursor: only requests older in list order follow', () => {
    const requests = ['e', 'd', 'c', 'b', 'a'].map((id, i) => stored(id, `2025-01-0${5 - i}T00:00:00.000Z`));
    const after = decodeCursor(encodeCursor(requests[1] as KeyRequest));
    if (after === null) {
      throw new Error('cursor did not decode');
    }
    expect(requests.filter((r) => newestFirst(r, after) > 0).map((r) => r.id)).toEqual(['c', 'b', 'a']);
  });

  it.each([
    ['not base64url JSON', '%%%'],
    ['JSON of the wrong shape', Buffer.from('{"createdAt":"x"}').toString('base64url')],
    ['an array of numbers', Buffer.from('[1,2]').toString('base64url')],
  ])('refuse %s', (_what, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});

describe('sameContent', () => {
  const request = stored('abc', '2025-01-01T00:00:00.000Z');

  it('sees no change when labels, annotations and data are equal in any key order', () => {
    const a = encodeSecret(request);
    const b = encodeSecret(request);
    b.metadata = {
      ...b.metadata,
      resourceVersion: '9',
      labels: Object.fromEntries(Object.entries(b.metadata?.labels ?? {}).reverse()),
    };
    expect(sameContent(a, b)).toBe(true);
  });

  it('sees a change in any label, annotation or data value', () => {
    const base = encodeSecret(request);
    expect(sameContent(base, encodeSecret({ ...request, state: 'denied' }))).toBe(false);
    expect(sameContent(base, encodeSecret({ ...request, reason: 'why' }))).toBe(false);
    expect(sameContent(base, encodeSecret({ ...request, pendingKey: 'sk-1' }))).toBe(false);
  });
});
