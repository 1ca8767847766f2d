/** The lifecycle states of a key request. The strings are the public contract:
 * they appear in API responses, in the `request-state` label and `state`
 * annotation of Kubernetes Secrets, and in `kubectl label` commands. */
export const REQUEST_STATES = ['pending', 'approved', 'denied', 'in-review', 'revoked'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export function isRequestState(value: unknown): value is RequestState {
  return typeof value === 'string' && (REQUEST_STATES as readonly string[]).includes(value);
}

/** Bookkeeping of the approval worker: who holds the request and when to retry. */
export interface WorkLease {
  /** Worker instance that claimed the request; null when nobody holds it. */
  owner: string | null;
  /** Epoch ms after which a claim is considered abandoned (its process died). */
  leaseUntil: number | null;
  /** Consecutive failed attempts, drives the backoff. */
  attempts: number;
  /** Epoch ms before which the worker must not retry. */
  nextAttemptAt: number;
  /** Last retryable failure, for operators; never contains a secret. */
  lastError: string | null;
}

export interface KeyRequest {
  id: string;
  /** Trimmed and lower-cased. */
  email: string;
  model: string;
  state: RequestState;
  reason: string | null;
  /** The live LiteLLM key once minted; never returned in full by any API. */
  apiKey: string | null;
  /** Key value reserved before minting, so a retry after a crash re-uses it
   * instead of minting a second key (see the approved step in worker/request-processor.ts). */
  pendingKey: string | null;
  /** The state whose worker duties (key, notification) are complete.
   * Invariant: the request needs work exactly when `handledState !== state` (request-rules.ts). */
  handledState: RequestState | null;
  createdAt: string;
  updatedAt: string;
  work: WorkLease;
  /** Opaque compare-and-set token (SQLite row version, Kubernetes resourceVersion). */
  version: string;
}
