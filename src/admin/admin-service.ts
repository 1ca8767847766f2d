import { redoNotification } from '../requests/duties.js';
import { historyEntry } from '../requests/history.js';
import type { LifecyclePolicy } from '../requests/lifecycle.js';
import type { KeyRequest, RequestState } from '../requests/request-types.js';
import { type Decision, planTransition } from '../requests/transitions.js';
import { AppError, notFound, storeCall, validationError } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';
import type { ListSort, Page, RequestPatch, RequestStore } from '../store/request-store.js';
import { checkReason, defaultReason, reasonProblemMessage } from './decision-reason.js';

export const ADMIN_FILTERS = [
  'pending',
  'review',
  'approved',
  'denied',
  'revoked',
  'expired',
  'all',
] as const;
export type AdminFilter = (typeof ADMIN_FILTERS)[number];

const FILTER_STATE: Record<AdminFilter, RequestState | undefined> = {
  pending: 'pending',
  review: 'in-review',
  approved: 'approved',
  denied: 'denied',
  revoked: 'revoked',
  expired: 'expired',
  all: undefined,
};

/** What every front passes to decide(): the reason as the admin typed it (untrimmed, maybe
 * absent) and who is deciding, as the history names them (requests/history.ts ACTORS:
 * `admin:<user>`, `mcp:<user>`, `cli:<os user>`). */
export interface DecisionInput {
  reason?: string | null | undefined;
  actor: string;
}

/** Narrows the admin list: `q` is a substring of the email, model or id (any case). */
export interface ListSearch {
  q?: string | undefined;
  sort?: ListSort | undefined;
}

export interface AdminServiceDeps {
  store: Pick<RequestStore, 'get' | 'list' | 'update' | 'stats'>;
  /** The worker mints, mails and deletes keys after a decision; wake it so that happens now. */
  wakeWorker: () => void;
  /** The renewal rules need it only for the requester; revoke needs the clock (a live key). */
  lifecycle: LifecyclePolicy;
  now?: () => number;
}

/** The reviewer's side: list and inspect requests, decide (approve, deny, revoke, park,
 * requeue), re-send a failed notification, count. Decisions only change the state; the worker
 * does the rest (mint, mail, delete), exactly as it does for a `kubectl label` edit, so there
 * is one code path for side effects. */
export function createAdminService({ store, wakeWorker, lifecycle, now = Date.now }: AdminServiceDeps) {
  async function get(id: string): Promise<KeyRequest> {
    const request = await storeCall(() => store.get(id));
    if (!request) {
      throw notFound(`No key request with id ${JSON.stringify(id)}`);
    }
    return request;
  }

  /** Reads the request and writes what `plan` makes of it, conditionally on the version read.
   * A conflict here is usually the worker renewing its lease: read again and re-plan. */
  async function change(
    id: string,
    plan: (request: KeyRequest) => Result<RequestPatch>,
  ): Promise<KeyRequest> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const request = await get(id);
      const patch = plan(request);
      if (!patch.ok) {
        throw patch.error;
      }
      const result = await storeCall(() => store.update(id, request.version, patch.value));
      if (result.ok) {
        wakeWorker();
        return result.value;
      }
      if (result.error.code === 'not-found') {
        throw notFound(`No key request with id ${JSON.stringify(id)}`);
      }
    }
    throw new AppError('conflict', 'The request is changing right now; try again');
  }

  return {
    get,

    list(
      filter: AdminFilter,
      limit: number,
      cursor?: string,
      search: ListSearch = {},
    ): Promise<Page<KeyRequest>> {
      const state = FILTER_STATE[filter];
      const q = search.q?.trim() ?? '';
      return storeCall(() =>
        store.list({
          limit,
          ...(state === undefined ? {} : { state }),
          ...(cursor === undefined ? {} : { cursor }),
          ...(q === '' ? {} : { q }),
          ...(search.sort === undefined ? {} : { sort: search.sort }),
        }),
      );
    },

    /** Requests per state, every state present. */
    async stats(): Promise<Record<RequestState, number>> {
      return (await storeCall(() => store.stats())).byState;
    },

    /** The one admin decision policy, whatever the front: the reason is trimmed and bounded,
     * required where the requester is mailed it, defaulted for an approval; the action must be
     * allowed for the request as it is (requests/transitions.ts), and is recorded in its
     * history with `input.actor`. Input problems are `validation` errors, a state that does not
     * allow the action a `conflict` naming the allowed states. */
    async decide(action: Decision, id: string, input: DecisionInput): Promise<KeyRequest> {
      const checked = checkReason(action, input.reason);
      if (!checked.ok) {
        throw validationError(['body', 'reason'], reasonProblemMessage(action, checked.error));
      }
      const reason = checked.value ?? defaultReason(action);
      return change(id, (request) =>
        planTransition(action, request, { actor: input.actor, reason, now: now(), policy: lifecycle }),
      );
    },

    /** Makes a notification the worker gave up on (a permanent refusal, shown as
     * `notification_failure`) due again: the failure is cleared, the backoff reset, and the
     * history records who asked. A `conflict` when there is none, or when the request has moved
     * on and that mail is no longer owed. */
    async resend(id: string, actor: string): Promise<KeyRequest> {
      return change(id, (request) => {
        const failure = request.notificationFailure;
        if (failure === null) {
          return fail(new AppError('conflict', 'This request has no failed notification to re-send'));
        }
        const redo = redoNotification(request, failure.kind, now());
        if (!redo.ok) {
          return fail(new AppError('conflict', `Cannot re-send: ${redo.error}`));
        }
        return ok({
          ...redo.value,
          notificationFailure: null,
          work: { attempts: 0, nextAttemptAt: 0, lastError: null },
          append: [
            historyEntry('mail-resent', actor, {
              from: request.state,
              to: request.state,
              reason: `${failure.kind} mail`,
            }),
          ],
        });
      });
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
