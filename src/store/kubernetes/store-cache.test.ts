import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { StoreStats } from '../request-store.js';
import { createSecretCache, createStatsCache } from './store-cache.js';

const secret = (name: string, resourceVersion = '1'): V1Secret => ({ metadata: { name, resourceVersion } });

describe('secret cache', () => {
  it('answers the last version seen of a name', () => {
    const cache = createSecretCache(10);
    cache.remember(secret('a', '1'));
    cache.remember(secret('a', '2'));
    expect(cache.lastSeen('a')?.metadata?.resourceVersion).toBe('2');
    expect(cache.lastSeen('b')).toBeUndefined();
  });

  it('holds at most its bound, dropping the name seen longest ago', () => {
    const cache = createSecretCache(2);
    cache.remember(secret('a'));
    cache.remember(secret('b'));
    cache.remember(secret('a', '2'));
    cache.remember(secret('c'));
    expect(cache.lastSeen('b')).toBeUndefined();
    expect(cache.lastSeen('a')?.metadata?.resourceVersion).toBe('2');
    expect(cache.lastSeen('c')).toBeDefined();
  });

  it('reports each Secret version once, and a new version again', () => {
    const cache = createSecretCache(10);
    expect(cache.firstReport(secret('a', '1'))).toBe(true);
    expect(cache.firstReport(secret('a', '1'))).toBe(false);
    expect(cache.firstReport(secret('a', '2'))).toBe(true);
  });

  it('forgets everything on clear', () => {
    const cache = createSecretCache(10);
    cache.remember(secret('a'));
    cache.firstReport(secret('a'));
    cache.clear();
    expect(cache.lastSeen('a')).toBeUndefined();
    expect(cache.firstReport(secret('a'))).toBe(true);
  });
});

describe('stats cache', () => {
  const stats = (queueDepth: number): StoreStats => ({
    byState: { pending: queueDepth, approved: 0, denied: 0, 'in-review': 0, revoked: 0, expired: 0 },
    notificationFailed: 0,
    queueDepth,
    oldestWaitingAt: null,
  });

  function counting(ttlMs: number) {
    let at = 0;
    let loads = 0;
    let failNext = false;
    const cache = createStatsCache({
      ttlMs,
      clock: () => at,
      load: async () => {
        loads++;
        if (failNext) {
          failNext = false;
          throw new Error('API down');
        }
        return stats(loads);
      },
    });
    return {
      cache,
      loads: () => loads,
      advance: (ms: number) => {
        at += ms;
      },
      failOnce: () => {
        failNext = true;
      },
    };
  }

  it('answers from one scan until the time to live has passed', async () => {
    const t = counting(1_000);
    expect((await t.cache.get()).queueDepth).toBe(1);
    t.advance(999);
    expect((await t.cache.get()).queueDepth).toBe(1);
    t.advance(1);
    expect((await t.cache.get()).queueDepth).toBe(2);
  });

  it('lets concurrent callers share one scan', async () => {
    const t = counting(1_000);
    await Promise.all([t.cache.get(), t.cache.get(), t.cache.get()]);
    expect(t.loads()).toBe(1);
  });

  it('scans again after an invalidation', async () => {
    const t = counting(60_000);
    await t.cache.get();
    t.cache.invalidate();
    expect((await t.cache.get()).queueDepth).toBe(2);
  });

  it('does not remember a failed scan', async () => {
    const t = counting(60_000);
    t.failOnce();
    await expect(t.cache.get()).rejects.toThrow('API down');
    expect((await t.cache.get()).queueDepth).toBe(2);
  });
});
