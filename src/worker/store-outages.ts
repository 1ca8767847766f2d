import type { HistoryInput } from '../requests/history.js';
import type { KeyRequest } from '../requests/request-types.js';
import { AppError } from '../shared/errors.js';
import type { RequestPatch } from '../store/request-store.js';
import { backoffMs } from './backoff.js';

/** A store that does not answer for a moment (a 500 from the Kubernetes API server, a timeout)
 * must not make the worker drop what it just did: after a delivered mail, giving up the write
 * that records it means another worker sends the mail again once the lease expires. So the
 * worker's store calls are tried again after a short wait (docs/design.md, "Failures: backoff").
 * Trying past the lease is safe: every write is conditional on the version read, so once another
 * worker has claimed the request the write conflicts and the worker finds it lost. */

/** The first wait; each further one doubles (with the worker's jitter, backoff.ts, so replicas
 * that met the same outage do not all try again at once). */
const FIRST_WAIT_MS = 100;
/** Tries of one call in all: the waits add up to about 3 s. */
const MAX_TRIES = 6;

/** The store did not answer (a 503 over HTTP): it may in a moment. Anything else is a bug. */
export function isStoreOutage(error: unknown): boolean {
  return error instanceof AppError && error.code === 'store-unavailable';
}

export interface Answered<T> {
  value: T;
  /** How many tries before it got no answer. */
  outages: number;
}

/** Runs a store call, trying again after an outage, at most MAX_TRIES times in all. The last
 * outage, and every other error, is thrown. */
export async function untilAnswered<T>(run: () => Promise<T>): Promise<Answered<T>> {
  for (let outages = 0; ; outages++) {
    try {
      return { value: await run(), outages };
    } catch (error) {
      if (!isStoreOutage(error) || outages + 1 >= MAX_TRIES) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(outages + 1, { baseMs: FIRST_WAIT_MS })));
    }
  }
}

/** Whether `fresh` shows that a write of `patch` which got no answer landed after all (the
 * store applied it, then failed to say so), so it must not be applied a second time. Its
 * history entries are the newest ones (only the lease holder appends worker entries), or, for
 * a patch that only releases the lease, the lease is released. Any other patch sets values that
 * may be written again unchanged. */
export function landed(fresh: KeyRequest, patch: RequestPatch): boolean {
  const append = patch.append ?? [];
  if (append.length > 0) {
    const newest = fresh.history.slice(-append.length);
    return newest.length === append.length && newest.every((entry, i) => sameEntry(entry, append[i]));
  }
  return patch.work?.owner === null && fresh.work.owner === null;
}

function sameEntry(entry: HistoryInput, expected: HistoryInput | undefined): boolean {
  return (
    expected !== undefined &&
    entry.action === expected.action &&
    entry.actor === expected.actor &&
    entry.from === expected.from &&
    entry.to === expected.to &&
    entry.reason === expected.reason
  );
}
