import type { V1Secret } from '@kubernetes/client-node';
import type { StoreStats } from '../request-store.js';

/** What the Kubernetes store remembers between calls, in one process. Nothing here is
 * needed for correctness: every write is conditional on a resourceVersion the API server
 * checks, so a stale entry costs a conflict, never a lost update. */

/** The last Secret seen per name, and which unreadable Secret versions were reported.
 * Both hold at most `bound` entries, so a namespace with many requests cannot grow them
 * without limit. */
export function createSecretCache(bound: number) {
  // A Map iterates in insertion order; re-inserting on every sighting makes the first
  // key the one seen longest ago, which is the one to drop.
  const seen = new Map<string, V1Secret>();
  const reported = new Set<string>();

  return {
    remember(secret: V1Secret): void {
      const name = secret.metadata?.name;
      if (name === undefined) {
        return;
      }
      seen.delete(name);
      seen.set(name, secret);
      if (seen.size > bound) {
        const oldest = seen.keys().next().value;
        if (oldest !== undefined) {
          seen.delete(oldest);
        }
      }
    },

    /** An update whose version matches this one needs no fresh read: a resourceVersion
     * identifies the content exactly. */
    lastSeen(name: string): V1Secret | undefined {
      return seen.get(name);
    },

    /** True the first time this Secret version is reported, so each unreadable Secret is
     * logged once per change rather than on every scan. */
    firstReport(secret: V1Secret): boolean {
      const key = `${secret.metadata?.name}@${secret.metadata?.resourceVersion}`;
      if (reported.has(key)) {
        return false;
      }
      if (reported.size > bound) {
        reported.clear();
      }
      reported.add(key);
      return true;
    },

    clear(): void {
      seen.clear();
      reported.clear();
    },
  };
}

export type SecretCache = ReturnType<typeof createSecretCache>;

/** Stats from the last full scan for `ttlMs`; concurrent callers share one scan, and a
 * failed scan is not remembered. The store's own writes invalidate it. */
export function createStatsCache({
  ttlMs,
  clock,
  load,
}: {
  ttlMs: number;
  clock: () => number;
  load: () => Promise<StoreStats>;
}) {
  let cached: { at: number; value: Promise<StoreStats> } | null = null;

  return {
    get(): Promise<StoreStats> {
      const at = clock();
      if (cached === null || at - cached.at >= ttlMs) {
        const entry = { at, value: load() };
        cached = entry;
        entry.value.catch(() => {
          if (cached === entry) {
            cached = null;
          }
        });
      }
      return cached.value;
    },

    invalidate(): void {
      cached = null;
    },
  };
}
