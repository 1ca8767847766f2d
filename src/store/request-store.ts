import type { DutyPolicy } from '../requests/duties.js';
import type { HistoryInput } from '../requests/history.js';
import type { PatchField } from '../requests/request-rules.js';
import type { KeyRequest, Language, RequestState, WorkLease } from '../requests/request-types.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Result } from '../shared/result.js';

export interface NewRequest {
  /** Canonical (requests/email.ts); the store folds it again, which changes nothing. */
  email: string;
  model: string;
  /** The address as typed, where mails go; null/absent = `email`. */
  notifyEmail?: string | null;
  language?: Language | null;
  /** Who creates it, for the `created` history entry; default `requester`. */
  actor?: string;
  /** The chain's decision, when it was made as the request was submitted (requests/decision.ts):
   * written with the new request, as if applied right after its creation. Dropped when the
   * request exists already. */
  decision?: RequestPatch;
}

/** Fields a caller may change with a conditional update, and history entries to append in the
 * same write. `updatedAt` and the clearing of `handledState` on a state change are the store's,
 * as requests/request-rules.ts says. */
export type RequestPatch = Partial<Pick<KeyRequest, PatchField>> & {
  work?: Partial<WorkLease>;
  /** Appended to the history, oldest first, atomically with the rest of the patch; entries
   * without `at` get the write's time. Never read-modify-write the history outside the store. */
  append?: readonly HistoryInput[];
};

/** What answering a repeated submission reads of the existing request (requests/request-service.ts):
 * whether its state may allow a renewal, whether a link mail is owed or was sent this hour, and
 * the id and version to write either with. A `KeyRequest` is one. */
export type RequestBrief = Pick<KeyRequest, 'id' | 'version' | 'state' | 'linkMail' | 'lastLinkMailHour'>;

/** Names of shared secrets: they become part of a Kubernetes Secret name. */
export function isSharedSecretName(name: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(name);
}

/** How every adapter reports a conditional update that missed: someone else wrote first. */
export function staleVersion(id: string): AppError {
  return new AppError('conflict', `Key request ${id} changed since it was read`);
}

/** How every adapter reports an update of a request it does not hold. */
export function unknownRequest(id: string): AppError {
  return notFound(`No key request with id ${JSON.stringify(id)}`);
}

/** List orders: by creation or last visible change, `-` = newest first. */
export const LIST_SORTS = ['-created_at', 'created_at', '-updated_at', 'updated_at'] as const;
export type ListSort = (typeof LIST_SORTS)[number];

export interface ListOptions {
  state?: RequestState;
  /** Only requests whose email, model or id contains this text (case-insensitive). */
  q?: string;
  /** Default `-created_at`. A cursor belongs to the order it was made for. */
  sort?: ListSort;
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
  /** Which clock-driven duties count (requests/duties.ts): reminders only when `remindBeforeMs > 0`. */
  policy: DutyPolicy;
}

export interface StoreStats {
  byState: Record<RequestState, number>;
  /** Requests holding a notification the worker gave up on (`notificationFailure`), which an
   * admin may re-send. */
  notificationFailed: number;
  /** Requests that need worker attention (`handledState !== state`). */
  queueDepth: number;
  /** Since when (epoch ms, its last state change) the longest-waiting request needing work has waited; null when none. */
  oldestWaitingAt: number | null;
}

/** Where key requests live. Adapters: sqlite (one process) and kubernetes (Secrets, many replicas).
 *
 * Concurrency contract, relied on by the worker:
 * - `create` is atomic per (email, model): concurrent calls yield one request.
 * - `update` applies only if the stored version still equals `version`; the history entries
 *   of the patch are appended in that same write.
 * - `claimDue` hands each due request to at most one owner until its lease ends.
 * - `sharedSecret` gives every caller, in every process, the same bytes for a name.
 *
 * Keys at rest: an update that clears `apiKey` or `pendingKey` leaves the value it cleared in no
 * file the store writes (SQLite: secure_delete and a WAL truncate; docs/design.md, "Keys at rest").
 */
export interface RequestStore {
  /** Creates a pending request (with `input.decision` applied), or returns the existing one for
   * the same email and model.
   * The email is compared and stored in canonical form (requests/email.ts). */
  create(input: NewRequest): Promise<{ request: KeyRequest; created: boolean }>;
  get(id: string): Promise<KeyRequest | null>;
  findByEmailAndModel(email: string, model: string): Promise<KeyRequest | null>;
  /** The same look-up, reading only a RequestBrief: the one of every repeated POST. */
  findBriefByEmailAndModel(email: string, model: string): Promise<RequestBrief | null>;
  /** In the order `options.sort` names; newest first by default. */
  list(options: ListOptions): Promise<Page<KeyRequest>>;
  /** The request as now stored, or an AppError: `conflict` when someone else changed it
   * since `version` was read, `not-found` when there is no such request. Failing to reach
   * the store throws. */
  update(id: string, version: string, patch: RequestPatch): Promise<Result<KeyRequest>>;
  /** Leases up to `limit` requests that are due (requests/duties.ts `isDue`: a duty is owed,
   * its time and its retry time have come, no running lease); returns them as now stored. */
  claimDue(options: ClaimOptions): Promise<KeyRequest[]>;
  /** 32 random bytes stored under `name` (`[a-z0-9-]{1,40}`), created on first use; concurrent
   * first uses agree on one value. For keys every replica must share (requester tokens). */
  sharedSecret(name: string): Promise<Buffer>;
  stats(): Promise<StoreStats>;
  /** Throws when the store cannot answer (used by /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
