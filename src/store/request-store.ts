import type { KeyRequest, RequestState, WorkLease } from '../requests/request-types.js';

export interface NewRequest {
  email: string;
  model: string;
}

/** Fields a caller may change with a conditional update. `updatedAt` is set by the store. */
export type RequestPatch = Partial<
  Pick<KeyRequest, 'state' | 'reason' | 'apiKey' | 'pendingKey' | 'handledState'> & {
    work: Partial<WorkLease>;
  }
>;

export type UpdateResult =
  | { ok: true; request: KeyRequest }
  /** `conflict`: someone else changed the request since `version` was read. */
  | { ok: false; reason: 'conflict' | 'not-found' };

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
  /** Creates a pending request, or returns the existing one for the same email and model. */
  create(input: NewRequest): Promise<{ request: KeyRequest; created: boolean }>;
  get(id: string): Promise<KeyRequest | null>;
  findByEmailAndModel(email: string, model: string): Promise<KeyRequest | null>;
  /** Newest first. */
  list(options: ListOptions): Promise<Page<KeyRequest>>;
  update(id: string, version: string, patch: RequestPatch): Promise<UpdateResult>;
  /** Leases up to `limit` requests that need work, whose retry time has come and
   * whose previous lease (if any) has expired; returns them as now stored. */
  claimDue(options: ClaimOptions): Promise<KeyRequest[]>;
  stats(): Promise<StoreStats>;
  /** Throws when the store cannot answer (used by /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
