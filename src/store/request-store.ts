import type { KeyRequest, RequestState, WorkLease } from '../requests/request-types.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Result } from '../shared/result.js';

export interface NewRequest {
  email: string;
  model: string;
}

/** Fields a caller may change with a conditional update. `updatedAt` is set by the store,
 * as requests/request-rules.ts says. */
export type RequestPatch = Partial<
  Pick<KeyRequest, 'state' | 'reason' | 'apiKey' | 'pendingKey' | 'handledState'> & {
    work: Partial<WorkLease>;
  }
>;

/** How every adapter reports a conditional update that missed: someone else wrote first. */
export function staleVersion(id: string): AppError {
  return new AppError('conflict', `Key request ${id} changed since it was read`);
}

/** How every adapter reports an update of a request it does not hold. */
export function unknownRequest(id: string): AppError {
  return notFound(`No key request with id ${JSON.stringify(id)}`);
}

export interface ListOptions {
  state?: RequestState;
  /** At most this many items (the store may cap it). */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
}

export interface StoreStats {
  byState: Record<RequestState, number>;
  /** Requests that need worker attention (`handledState !== state`). */
  queueDepth: number;
  /** Since when (epoch ms, its last state change) the longest-waiting request needing work has waited; null when none. */
  oldestWaitingAt: number | null;
}

/** Where key requests live. Adapters: sqlite (one process) and kubernetes (Secrets, many replicas).
 *
 * Concurrency contract, relied on by the worker:
 * - `create` is atomic per (email, model): concurrent calls yield one request.
 * - `update` applies only if the stored version still equals `version`.
 * - `claimDue` hands each due request to at most one owner until its lease ends.
 */
export interface RequestStore {
  /** Creates a pending request, or returns the existing one for the same email and model.
   * The email is compared and stored in canonical form (requests/email.ts). */
  create(input: NewRequest): Promise<{ request: KeyRequest; created: boolean }>;
  get(id: string): Promise<KeyRequest | null>;
  findByEmailAndModel(email: string, model: string): Promise<KeyRequest | null>;
  /** Newest first. */
  list(options: ListOptions): Promise<Page<KeyRequest>>;
  /** The request as now stored, or an AppError: `conflict` when someone else changed it
   * since `version` was read, `not-found` when there is no such request. Failing to reach
   * the store throws. */
  update(id: string, version: string, patch: RequestPatch): Promise<Result<KeyRequest>>;
  /** Leases up to `limit` requests that need work, whose retry time has come and
   * whose previous lease (if any) has expired; returns them as now stored. */
  claimDue(options: ClaimOptions): Promise<KeyRequest[]>;
  stats(): Promise<StoreStats>;
  /** Throws when the store cannot answer (used by /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
