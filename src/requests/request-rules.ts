import type { RequestPatch } from '../store/request-store.js';
import type { KeyRequest, WorkLease } from './request-types.js';

/** The rules every store applies to a request the same way. Both adapters call these
 * (SQLite mirrors `isDue` in its claim statement, see sqlite-store.ts), so a rule changes
 * here and nowhere else. */

/** A request as stored, before the store gives it a version. */
export type StoredRequest = Omit<KeyRequest, 'version'>;

/** The request fields a patch may set, besides the worker's lease. */
export const PATCH_FIELDS = ['state', 'reason', 'apiKey', 'pendingKey', 'handledState'] as const;

/** Fields users see (API, console, mails). Changing one moves `updatedAt`; worker
 * bookkeeping (reserved key, handled state, lease) does not, so "last changed" in the
 * console and the queue's waiting time mean the last change a person could notice. */
export const VISIBLE_FIELDS: ReadonlySet<keyof KeyRequest> = new Set(['state', 'reason', 'apiKey']);

export const WORK_FIELDS = ['owner', 'leaseUntil', 'attempts', 'nextAttemptAt', 'lastError'] as const;

/** What a patch writes, field by field: only the fields it sets (`undefined` leaves a field
 * alone, `null` clears it), plus `updatedAt` when a visible field is among them. */
export interface RequestChanges {
  request: Partial<Pick<KeyRequest, (typeof PATCH_FIELDS)[number] | 'updatedAt'>>;
  work: Partial<WorkLease>;
}

export function changesOf(patch: RequestPatch, stamp: string): RequestChanges {
  const request: Record<string, unknown> = {};
  let visible = false;
  for (const field of PATCH_FIELDS) {
    if (patch[field] !== undefined) {
      request[field] = patch[field];
      visible = visible || VISIBLE_FIELDS.has(field);
    }
  }
  if (visible) {
    request.updatedAt = stamp;
  }
  const work: Record<string, unknown> = {};
  for (const field of WORK_FIELDS) {
    if (patch.work?.[field] !== undefined) {
      work[field] = patch.work[field];
    }
  }
  return { request, work } as RequestChanges;
}

/** The request after `patch`, changed at `stamp`. */
export function applyPatch(request: KeyRequest, patch: RequestPatch, stamp: string): StoredRequest {
  const { version: _version, ...current } = request;
  const changes = changesOf(patch, stamp);
  return { ...current, ...changes.request, work: { ...current.work, ...changes.work } };
}

/** A new request: pending, nothing decided, no key, never tried, held by nobody. */
export function newRequest(
  { id, email, model }: Pick<KeyRequest, 'id' | 'email' | 'model'>,
  stamp: string,
): StoredRequest {
  return {
    id,
    email,
    model,
    state: 'pending',
    reason: null,
    apiKey: null,
    pendingKey: null,
    handledState: null,
    createdAt: stamp,
    updatedAt: stamp,
    work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
  };
}

/** The worker still owes this request something (a key, a mail, a revocation) exactly
 * when its current state is not the one whose duties are done. */
export function needsWork(request: Pick<KeyRequest, 'state' | 'handledState'>): boolean {
  return request.state !== request.handledState;
}

/** The worker may claim it at `at`: it needs work, its retry time has come, and nobody
 * holds a lease on it that is still running (a lease past its end was abandoned). */
export function isDue(request: Pick<KeyRequest, 'state' | 'handledState' | 'work'>, at: number): boolean {
  return (
    needsWork(request) &&
    request.work.nextAttemptAt <= at &&
    (request.work.leaseUntil === null || request.work.leaseUntil <= at)
  );
}
