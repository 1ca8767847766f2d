/** The longest wait between two tries of one request; also the wait after a failure that
 * retrying soon cannot fix (`retry: false`). */
export const MAX_BACKOFF_MS = 300_000;

/** Exponential backoff with jitter for retryable failures: 1 s, 2 s, 4 s ... capped.
 * Jitter (±20 %) keeps replicas that failed together from retrying in lockstep. */
export function backoffMs(
  attempt: number,
  { baseMs = 1000, maxMs = MAX_BACKOFF_MS, random = Math.random } = {},
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const delay = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(delay * (0.8 + 0.4 * random()));
}
