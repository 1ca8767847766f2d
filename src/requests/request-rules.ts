import type { NewRequest, RequestPatch } from '../store/request-store.js';
import { ACTORS, type HistoryInput } from './history.js';
import type { HistoryEntry, KeyRequest, WorkLease } from './request-types.js';

/** How a patch becomes a record, the same way in every store. Both adapters call these, so a
 * rule changes here and nowhere else (docs/design.md, "The request record"). */

/** A request as stored, before the store gives it a version. */
export type StoredRequest = Omit<KeyRequest, 'version'>;

/** The request fields a patch may set, besides the worker's lease and the history it appends. */
export const PATCH_FIELDS = [
  'state',
  'reason',
  'cycle',
  'expiresAt',
  'keyHash',
  'keyHint',
  'apiKey',
  'pendingKey',
  'handledState',
  'notifyEmail',
  'language',
  'remindedCycle',
  'notificationFailure',
  'linkMail',
  'lastLinkMailHour',
] as const satisfies readonly (keyof KeyRequest)[];
export type PatchField = (typeof PATCH_FIELDS)[number];

/** Fields users see (API, console, requester page, mails). Changing one moves `updatedAt`;
 * worker bookkeeping (reserved or plain key, hash, handled state, reminders, link mails, the
 * lease) does not, so "last changed" in the console and the queue's waiting time mean the
 * last change a person could notice. The masked key is `keyHint`, so dropping the plain key
 * after its mail is bookkeeping too. */
export const VISIBLE_FIELDS: ReadonlySet<keyof KeyRequest> = new Set([
  'state',
  'reason',
  'cycle',
  'expiresAt',
  'keyHint',
  'notificationFailure',
]);

export const WORK_FIELDS = ['owner', 'leaseUntil', 'attempts', 'nextAttemptAt', 'lastError'] as const;

/** What a patch writes, field by field: only the fields it sets (`undefined` leaves a field
 * alone, `null` clears it), `updatedAt` when a visible field is among them, and the history
 * entries it appends, stamped. */
export interface RequestChanges {
  request: Partial<Pick<KeyRequest, PatchField | 'updatedAt'>>;
  work: Partial<WorkLease>;
  history: HistoryEntry[];
}

/** The changes `patch` makes to `current` at `stamp`:
 * - a state change clears `handledState` unless the patch sets it: the new state's duties are
 *   owed, even when the request comes back to a state it was in before (a renewal);
 * - `expiresAt` is stored as `toISOString()`, so stores may compare it as text;
 * - history entries are stamped with `stamp` unless they carry their own time. */
export function changesOf(
  current: Pick<KeyRequest, 'state' | 'handledState'>,
  patch: RequestPatch,
  stamp: string,
): RequestChanges {
  const request: Record<string, unknown> = {};
  let visible = false;
  for (const field of PATCH_FIELDS) {
    if (patch[field] !== undefined) {
      request[field] = patch[field];
      visible = visible || VISIBLE_FIELDS.has(field);
    }
  }
  if (typeof patch.expiresAt === 'string') {
    request.expiresAt = isoTime(patch.expiresAt);
  }
  const stateChanges = patch.state !== undefined && patch.state !== current.state;
  if (stateChanges && patch.handledState === undefined && current.handledState !== null) {
    request.handledState = null;
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
  const history = (patch.append ?? []).map((entry) => stampEntry(entry, stamp));
  return { request, work, history } as RequestChanges;
}

/** The request after `patch`, changed at `stamp`. */
export function applyPatch(
  request: StoredRequest | KeyRequest,
  patch: RequestPatch,
  stamp: string,
): StoredRequest {
  const { version: _version, ...current } = request as KeyRequest;
  return withChanges(current, changesOf(current, patch, stamp));
}

/** `request` with `changes` (changesOf) applied: what a store writes for them. */
export function withChanges<R extends StoredRequest>(request: R, changes: RequestChanges): R {
  return {
    ...request,
    ...changes.request,
    history: [...request.history, ...changes.history],
    work: { ...request.work, ...changes.work },
  };
}

/** A new request: pending, first cycle, nothing decided, no key, never tried, held by nobody,
 * its creation the first entry of its history; then `input.decision`, if any. */
export function newRequest(input: NewRequest & { id: string }, stamp: string): StoredRequest {
  const created = createdRequest(input, stamp);
  return input.decision === undefined ? created : applyPatch(created, input.decision, stamp);
}

function createdRequest(input: NewRequest & { id: string }, stamp: string): StoredRequest {
  return {
    id: input.id,
    email: input.email,
    notifyEmail: input.notifyEmail ?? null,
    language: input.language ?? null,
    model: input.model,
    state: 'pending',
    reason: null,
    cycle: 1,
    history: [
      stampEntry(
        {
          actor: input.actor ?? ACTORS.requester,
          action: 'created',
          from: null,
          to: 'pending',
          reason: null,
        },
        stamp,
      ),
    ],
    expiresAt: null,
    keyHash: null,
    keyHint: null,
    apiKey: null,
    pendingKey: null,
    handledState: null,
    remindedCycle: 0,
    notificationFailure: null,
    linkMail: null,
    lastLinkMailHour: null,
    createdAt: stamp,
    updatedAt: stamp,
    work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
  };
}

function stampEntry(entry: HistoryInput, stamp: string): HistoryEntry {
  return {
    at: entry.at === undefined ? stamp : isoTime(entry.at),
    actor: entry.actor,
    action: entry.action,
    from: entry.from,
    to: entry.to,
    reason: entry.reason,
  };
}

function isoTime(text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new Error(`not a timestamp: ${JSON.stringify(text)}`);
  }
  return new Date(ms).toISOString();
}
