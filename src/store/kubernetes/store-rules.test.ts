import { describe, expect, it } from 'vitest';
import { newRequest } from '../../requests/request-rules.js';
import type { KeyRequest, RequestState } from '../../requests/request-types.js';
import { decodeSecret, encodeSecret as encode } from './secret-codec.js';
import {
  acknowledged,
  decodeCursor,
  encodeCursor,
  firstInOrder,
  listPage,
  newestFirst,
  sameContent,
} from './store-rules.js';

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

describe('firstInOrder', () => {
  it('keeps the first items in order, sorted, whatever order they come in', () => {
    const numbers = [5, 3, 9, 1, 7, 3, 8, 2];
    expect(firstInOrder(numbers, 3, (a, b) => a - b)).toEqual([1, 2, 3]);
    expect(firstInOrder(numbers, 20, (a, b) => a - b)).toEqual([...numbers].sort((a, b) => a - b));
    expect(firstInOrder([], 3, (a: number, b: number) => a - b)).toEqual([]);
  });
});

describe('list cursors', () => {
  it('decode to the position they were made from', () => {
    const request = stored('6f1c2a9e-0d4b-4c1e-9a57-3b2d8f0e1a2b', '2025-01-02T03:04:05.678Z');
    const cursor = encodeCursor(request);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual({ key: request.createdAt, id: request.id });
    expect(decodeCursor(encodeCursor(request, '-updated_at'))).toEqual({
      key: request.updatedAt,
      id: request.id,
    });
  });

  it('resume after the cursor: only requests later in list order follow', () => {
    const requests = ['e', 'd', 'c', 'b', 'a'].map((id, i) => stored(id, `2025-01-0${5 - i}T00:00:00.000Z`));
    const first = listPage(requests, { limit: 2 }, 500);
    expect(first?.items.map((r) => r.id)).toEqual(['e', 'd']);
    const rest = listPage(requests, { limit: 5, cursor: first?.nextCursor ?? '' }, 500);
    expect(rest).toEqual({ items: requests.slice(2), nextCursor: null });
    const oldest = listPage(requests, { limit: 2, sort: 'created_at' }, 500);
    expect(oldest?.items.map((r) => r.id)).toEqual(['a', 'b']);
    expect(
      listPage(requests, { limit: 5, sort: 'created_at', cursor: oldest?.nextCursor ?? '' }, 500)?.items.map(
        (r) => r.id,
      ),
    ).toEqual(['c', 'd', 'e']);
  });

  it('page through many requests in any order the same as a full sort does', () => {
    const requests = Array.from({ length: 300 }, (_, i) =>
      stored(`r${(i * 7919) % 300}`, `2025-01-01T00:00:${String((i * 31) % 60).padStart(2, '0')}.000Z`),
    );
    for (const sort of ['-created_at', 'created_at', '-updated_at', 'updated_at'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = listPage(
          requests,
          { limit: 40, sort, ...(cursor === undefined ? {} : { cursor }) },
          500,
        );
        seen.push(...(page?.items.map((r) => r.id) ?? []));
        cursor = page?.nextCursor ?? undefined;
      } while (cursor !== undefined);
      const order = sort.startsWith('-') ? -1 : 1;
      const key = (r: KeyRequest) => `${sort.endsWith('updated_at') ? r.updatedAt : r.createdAt} ${r.id}`;
      expect(seen).toEqual(
        [...requests]
          .sort((a, b) => (key(a) < key(b) ? -order : key(a) > key(b) ? order : 0))
          .map((r) => r.id),
      );
    }
  });

  it('search email, model and id in any case', () => {
    const requests = [stored('abc', '2025-01-01T00:00:00.000Z'), stored('xyz', '2025-01-02T00:00:00.000Z')];
    expect(listPage(requests, { limit: 5, q: 'ABC@EXAMPLE' }, 500)?.items.map((r) => r.id)).toEqual(['abc']);
    expect(listPage(requests, { limit: 5, q: 'yz' }, 500)?.items.map((r) => r.id)).toEqual(['xyz']);
    expect(listPage(requests, { limit: 5, q: 'm1' }, 500)?.items).toHaveLength(2);
  });

  it.each([
    ['not base64url JSON', '%%%'],
    ['JSON of the wrong shape', Buffer.from('{"createdAt":"x"}').toString('base64url')],
    ['an array of numbers', Buffer.from('[1,2]').toString('base64url')],
  ])('refuse %s', (_what, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});

describe('acknowledged', () => {
  it('appends an external-change entry for a state changed outside the service, and nothing otherwise', () => {
    const request = stored('k1', '2025-01-01T00:00:00.000Z', { state: 'denied', handledState: 'denied' });
    const secret = encode(request);
    secret.metadata = {
      ...secret.metadata,
      resourceVersion: '5',
      labels: { ...secret.metadata?.labels, 'request-state': 'approved' },
    };
    const decoded = decodeSecret(secret);
    if (!decoded.ok) {
      throw decoded.error;
    }
    const next = acknowledged(decoded.value, '2025-01-03T00:00:00.000Z');
    expect(next).toMatchObject({ state: 'approved', handledState: 'denied', version: '5' });
    expect(next.history.at(-1)).toEqual({
      at: '2025-01-03T00:00:00.000Z',
      actor: 'external',
      action: 'external-change',
      from: 'denied',
      to: 'approved',
      reason: null,
    });
    const unchanged = decodeSecret({
      ...encode(request),
      metadata: { ...encode(request).metadata, resourceVersion: '6' },
    });
    if (!unchanged.ok) {
      throw unchanged.error;
    }
    expect(acknowledged(unchanged.value, '2025-01-03T00:00:00.000Z')).toBe(unchanged.value.request);
  });

  /** The request as the store reads it after `kubectl label` moved it from `from` to `to`. */
  function relabelled(from: RequestState, to: RequestState) {
    const secret = encode(stored('k2', '2025-01-01T00:00:00.000Z', { state: from, handledState: from }));
    secret.metadata = {
      ...secret.metadata,
      resourceVersion: '7',
      labels: { ...secret.metadata?.labels, 'request-state': to },
    };
    const decoded = decodeSecret(secret);
    if (!decoded.ok) {
      throw decoded.error;
    }
    return acknowledged(decoded.value, '2025-01-03T00:00:00.000Z');
  }

  it('starts a new cycle for a change that re-issues, as the same change through the service would', () => {
    expect(relabelled('revoked', 'approved')).toMatchObject({ state: 'approved', cycle: 2 });
    expect(relabelled('expired', 'approved')).toMatchObject({ cycle: 2 });
    expect(relabelled('denied', 'pending')).toMatchObject({ cycle: 2 });
  });

  it('keeps the cycle for a change within it', () => {
    expect(relabelled('pending', 'approved')).toMatchObject({ state: 'approved', cycle: 1 });
    expect(relabelled('approved', 'denied')).toMatchObject({ state: 'denied', cycle: 1 });
    expect(relabelled('in-review', 'pending')).toMatchObject({ state: 'pending', cycle: 1 });
  });
});

describe('sameContent', () => {
  const request = stored('abc', '2025-01-01T00:00:00.000Z');

  it('sees no change when labels, annotations and data are equal in any key order', () => {
    const a = encode(request);
    const b = encode(request);
    b.metadata = {
      ...b.metadata,
      resourceVersion: '9',
      labels: Object.fromEntries(Object.entries(b.metadata?.labels ?? {}).reverse()),
    };
    expect(sameContent(a, b)).toBe(true);
  });

  it('sees a change in any label, annotation or data value', () => {
    const base = encode(request);
    expect(sameContent(base, encode({ ...request, state: 'denied' }))).toBe(false);
    expect(sameContent(base, encode({ ...request, reason: 'why' }))).toBe(false);
    expect(sameContent(base, encode({ ...request, pendingKey: 'sk-1' }))).toBe(false);
  });
});
