import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { newRequest, type StoredRequest } from '../../requests/request-rules.js';
import { encodeSecret } from './secret-codec.js';
import { createRequestCache, isNewerVersion } from './store-cache.js';

const NOON = '2025-01-01T12:00:00.000Z';

/** The Secret of a request `id` at `version`, as the API server would answer it. */
function secret(id: string, version: string, patch: Partial<StoredRequest> = {}): V1Secret {
  const request = { ...newRequest({ id, email: `${id}@example.com`, model: 'm1' }, NOON), ...patch };
  const encoded = encodeSecret(request);
  return { ...encoded, metadata: { ...encoded.metadata, resourceVersion: version } };
}

const name = (id: string) => `llm-key-request-${id}`;

function cache() {
  const unreadable: string[] = [];
  const requests = createRequestCache({
    onUnreadable: (s, problem) =>
      unreadable.push(`${s.metadata?.name}@${s.metadata?.resourceVersion}: ${problem}`),
  });
  return { requests, unreadable };
}

describe('resource versions', () => {
  it('orders etcd revisions as numbers, and takes any other difference as newer', () => {
    expect(isNewerVersion('10', '9')).toBe(true);
    expect(isNewerVersion('9', '10')).toBe(false);
    expect(isNewerVersion('1000', '1000')).toBe(false);
    expect(isNewerVersion('123456789012345678901', '123456789012345678900')).toBe(true);
    expect(isNewerVersion('b', 'a')).toBe(true);
    expect(isNewerVersion('a', 'a')).toBe(false);
  });
});

describe('request cache: versions', () => {
  it('keeps the newest version of a Secret, whatever order versions arrive in', () => {
    const { requests } = cache();
    requests.reset([secret('a', '10')], '10');
    // Our own write was answered (12) before the watch delivered someone's earlier change (11).
    requests.put(secret('a', '12', { state: 'denied' }));
    requests.put(secret('a', '11', { state: 'approved' }));
    expect(requests.get(name('a'))?.version).toBe('12');
    expect(requests.requests().map((r) => r.state)).toEqual(['denied']);
    requests.put(secret('a', '13', { state: 'revoked' }));
    expect(requests.requests().map((r) => r.state)).toEqual(['revoked']);
  });

  it('answers put with what the given Secret holds, even when it keeps a newer one', () => {
    const { requests } = cache();
    requests.put(secret('a', '12', { state: 'denied' }));
    expect(requests.put(secret('a', '11', { state: 'approved' }))?.request.state).toBe('approved');
    expect(requests.get(name('a'))?.decoded?.request.state).toBe('denied');
  });

  it('does not bring back a deleted Secret with an older version, but does a newer one', () => {
    const { requests } = cache();
    requests.reset([secret('a', '10')], '10');
    requests.remove(secret('a', '15'));
    expect(requests.get(name('a'))).toBeUndefined();
    requests.put(secret('a', '12'));
    expect(requests.get(name('a'))).toBeUndefined();
    requests.put(secret('a', '16'));
    expect(requests.get(name('a'))?.version).toBe('16');
  });

  it('keeps its own create when the deletion of an earlier Secret of that name arrives late', () => {
    const { requests } = cache();
    requests.reset([], '10');
    requests.put(secret('a', '20'));
    requests.remove(secret('a', '18'));
    expect(requests.get(name('a'))?.version).toBe('20');
  });

  it('takes a list as the whole truth, except what is newer than the list', () => {
    const { requests } = cache();
    requests.reset([secret('a', '1'), secret('b', '2'), secret('c', '3')], '5');
    // Written after the next list's snapshot, answered before that list arrived:
    requests.put(secret('d', '9'));
    requests.put(secret('b', '8', { state: 'denied' }));
    requests.reset([secret('a', '1'), secret('b', '4')], '7');
    expect(
      requests
        .requests()
        .map((r) => `${r.id}:${r.state}`)
        .sort(),
    ).toEqual(['a:pending', 'b:denied', 'd:pending']);
    // c is gone: the list did not hold it, and it was not newer than the list.
    expect(requests.get(name('c'))).toBeUndefined();
    requests.put(secret('c', '3'));
    expect(requests.get(name('c'))).toBeUndefined();
  });

  it('reports an unreadable Secret once per version and holds it without a request', () => {
    const { requests, unreadable } = cache();
    const bad = (version: string) => {
      const s = secret('x', version);
      return {
        ...s,
        metadata: { ...s.metadata, labels: { ...s.metadata?.labels, 'request-state': 'aproved' } },
      };
    };
    expect(requests.put(bad('1'))).toBeNull();
    requests.reset([bad('1')], '1');
    expect(requests.put(bad('1'))).toBeNull();
    expect(unreadable).toEqual([`${name('x')}@1: invalid state "aproved"`]);
    requests.put(bad('2'));
    expect(unreadable).toHaveLength(2);
    expect(requests.requests()).toEqual([]);
    expect(Object.values(requests.stats().byState).reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe('request cache: queries', () => {
  it('finds the requests of an email, following changes and deletions', () => {
    const { requests } = cache();
    requests.reset([secret('a', '1'), secret('b', '2')], '2');
    expect(requests.byEmail('a@example.com').map((d) => d.request.id)).toEqual(['a']);
    requests.put(secret('a', '3', { state: 'approved' }));
    expect(requests.byEmail('a@example.com').map((d) => d.request.state)).toEqual(['approved']);
    requests.remove(secret('a', '4'));
    expect(requests.byEmail('a@example.com')).toEqual([]);
    expect(requests.byEmail('nobody@example.com')).toEqual([]);
  });

  it('hands out what is due: owed work without a running lease, and expiries and reminders by the clock', () => {
    const { requests } = cache();
    const at = Date.parse('2025-06-01T00:00:00.000Z');
    const issued = { state: 'approved', handledState: 'approved' } as const;
    requests.reset(
      [
        secret('owed', '1'),
        secret('leased', '2', {
          work: { owner: 'w', leaseUntil: at + 1, attempts: 0, nextAttemptAt: 0, lastError: null },
        }),
        secret('lease-over', '3', {
          work: { owner: 'w', leaseUntil: at, attempts: 0, nextAttemptAt: 0, lastError: null },
        }),
        secret('retry-later', '4', {
          work: { owner: null, leaseUntil: null, attempts: 1, nextAttemptAt: at + 1, lastError: 'x' },
        }),
        secret('settled', '5', { state: 'denied', handledState: 'denied' }),
        secret('expired-key', '6', { ...issued, expiresAt: '2025-05-31T00:00:00.000Z' }),
        secret('remind', '7', { ...issued, expiresAt: '2025-06-02T00:00:00.000Z' }),
        secret('far', '8', { ...issued, expiresAt: '2025-07-01T00:00:00.000Z' }),
      ],
      '8',
    );
    const due = (policy: { remindBeforeMs: number }, when = at) =>
      requests
        .due(when, policy)
        .map((entry) => entry.decoded.request.id)
        .sort();
    expect(due({ remindBeforeMs: 0 })).toEqual(['expired-key', 'lease-over', 'owed']);
    expect(due({ remindBeforeMs: 2 * 86_400_000 })).toEqual(['expired-key', 'lease-over', 'owed', 'remind']);
    expect(due({ remindBeforeMs: 0 }, at + 1)).toEqual([
      'expired-key',
      'lease-over',
      'leased',
      'owed',
      'retry-later',
    ]);
    // Changes reach the index: the worker settles one, and a hand edit makes another owed.
    requests.put(secret('owed', '9', { state: 'denied', handledState: 'denied' }));
    requests.put(secret('settled', '10', { state: 'approved', handledState: 'denied' }));
    expect(due({ remindBeforeMs: 0 })).toEqual(['expired-key', 'lease-over', 'settled']);
  });

  it('hands out the longest-due first: owed work by its last change, the rest by when it came due', () => {
    const { requests } = cache();
    const at = Date.parse('2025-06-01T00:00:00.000Z');
    const issued = { state: 'approved', handledState: 'approved' } as const;
    const lease = (leaseUntil: number) => ({
      work: { owner: 'w', leaseUntil, attempts: 0, nextAttemptAt: 0, lastError: null },
    });
    requests.reset(
      [
        secret('new-work', '1', { updatedAt: '2025-05-31T23:00:00.000Z' }),
        secret('old-work', '2', { updatedAt: '2025-05-01T00:00:00.000Z' }),
        secret('expired-key', '3', { ...issued, expiresAt: '2025-05-20T00:00:00.000Z' }),
        secret('abandoned', '4', {
          updatedAt: '2025-05-01T00:00:00.000Z',
          ...lease(Date.parse('2025-05-25T00:00:00.000Z')),
        }),
      ],
      '4',
    );
    expect(requests.due(at, { remindBeforeMs: 0 }).map((entry) => entry.decoded.request.id)).toEqual([
      'old-work',
      'expired-key',
      'abandoned',
      'new-work',
    ]);
  });

  it('lists every readable request, or those of one state', () => {
    const { requests } = cache();
    requests.reset([secret('a', '1'), secret('b', '2', { state: 'denied', handledState: 'denied' })], '2');
    expect(
      requests
        .requests()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(requests.requests('denied').map((r) => r.id)).toEqual(['b']);
  });

  it('counts every state, and the queue of requests still owed work', () => {
    const { requests } = cache();
    const handled = (state: StoredRequest['state']) => ({ state, handledState: state });
    requests.reset(
      [
        secret('a', '1'),
        secret('b', '2', handled('denied')),
        secret('c', '3', handled('approved')),
        secret('d', '4', { state: 'approved', handledState: 'in-review' }),
        secret('e', '5', handled('revoked')),
      ],
      '5',
    );
    expect(requests.stats()).toEqual({
      byState: { pending: 1, approved: 2, denied: 1, 'in-review': 0, revoked: 1, expired: 0 },
      notificationFailed: 0,
      queueDepth: 2,
      oldestWaitingAt: Date.parse(NOON),
    });
    requests.put(secret('a', '6', handled('denied')));
    requests.remove(secret('d', '7'));
    expect(requests.stats()).toEqual({
      byState: { pending: 0, approved: 1, denied: 2, 'in-review': 0, revoked: 1, expired: 0 },
      notificationFailed: 0,
      queueDepth: 0,
      oldestWaitingAt: null,
    });
  });

  it('dates the oldest waiting request by its last visible change, not its creation', () => {
    const { requests } = cache();
    requests.reset(
      [
        secret('old-but-touched', '1', {
          createdAt: '2025-01-01T00:00:00.000Z',
          state: 'approved',
          handledState: 'in-review',
          updatedAt: '2025-01-03T00:00:00.000Z',
        }),
        secret('newer', '2', {
          createdAt: '2025-01-02T00:00:00.000Z',
          updatedAt: '2025-01-02T00:00:00.000Z',
        }),
        secret('settled', '3', {
          createdAt: '2024-01-01T00:00:00.000Z',
          state: 'denied',
          handledState: 'denied',
        }),
      ],
      '3',
    );
    expect(requests.stats().oldestWaitingAt).toBe(Date.parse('2025-01-02T00:00:00.000Z'));
  });

  it('counts the requests whose notification was given up, as they gain and lose it', () => {
    const { requests } = cache();
    const failure = { kind: 'approval', error: 'refused', at: NOON } as StoredRequest['notificationFailure'];
    requests.reset([secret('a', '1', { notificationFailure: failure }), secret('b', '2')], '2');
    expect(requests.stats().notificationFailed).toBe(1);
    requests.put(secret('b', '3', { notificationFailure: failure }));
    expect(requests.stats().notificationFailed).toBe(2);
    requests.put(secret('a', '4', { notificationFailure: null }));
    requests.remove(secret('b', '5'));
    expect(requests.stats().notificationFailed).toBe(0);
  });

  it('gives the migration the readable Secrets of the old service', () => {
    const { requests } = cache();
    const old = secret('old', '1');
    const labels = { ...old.metadata?.labels };
    delete labels['llm-key-requestor/email-hash'];
    requests.reset([{ ...old, metadata: { ...old.metadata, labels } }, secret('new', '2')], '2');
    expect(requests.legacy().map((entry) => entry.decoded.request.id)).toEqual(['old']);
  });

  it('forgets everything on clear', () => {
    const { requests } = cache();
    requests.reset([secret('a', '1')], '1');
    requests.clear();
    expect(requests.get(name('a'))).toBeUndefined();
    expect(requests.stats().byState.pending).toBe(0);
    requests.put(secret('a', '1'));
    expect(requests.get(name('a'))?.version).toBe('1');
  });
});
