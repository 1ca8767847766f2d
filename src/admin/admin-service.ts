import type { LifecyclePolicy } from '../requests/lifecycle.js';
import type { KeyRequest, RequestState } from '../requests/request-types.js';
import type { KeyUsage } from '../requests/requester-view.js';
import { type Decision, planTransition } from '../requests/transitions.js';
import { AppError, notFound, storeCall, validationError } from '../shared/errors.js';
import type { Result } from '../shared/result.js';
import type { ListSort, Page, RequestPatch, RequestStore } from '../store/request-store.js';
import { type AvailableAction, availableActions, planResend } from './admin-actions.js';
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
  /** Spend and budget of a key by its hash (litellm/key-usage.ts); absent where LiteLLM is not
   * asked (the CLI). */
  keyUsage?: (keyHash: string) => Promise<KeyUsage | null>;
  now?: () => number;
}

/** The reviewer's side: list and inspect requests, decide (approve, deny, revoke, park,
 * requeue), re-send a failed notification, count, and say what may be done to a request now. Decisions only change the state; the worker
 * does the rest (mint, mail, delete), exactly as it does for a `kubectl label` edit, so there
 * is one code path for side effects. */
export function createAdminService({
  store,
  wakeWorker,
  lifecycle,
  keyUsage,
  now = Date.now,
}: AdminServiceDeps) {
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

    /** Requests per state (every state present), and how many hold a given-up notification. */
    async stats(): Promise<{ byState: Record<RequestState, number>; notificationFailed: number }> {
      const { byState, notificationFailed } = await storeCall(() => store.stats());
      return { byState, notificationFailed };
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

    /** Makes a notification the worker gave up on (shown as `notification_failure`) due again
     * (admin-actions.ts, planResend); a `conflict` when there is none or it is no longer owed. */
    resend(id: string, actor: string): Promise<KeyRequest> {
      return change(id, (request) => planResend(request, actor, now()));
    },

    /** What an admin may do to `request` now (admin-actions.ts). */
    actionsFor(request: KeyRequest): AvailableAction[] {
      return availableActions(request, now(), lifecycle);
    },

    /** Spend and budget of the request's key from LiteLLM; null without a key, without the
     * look-up (the CLI) or when LiteLLM did not answer in time. */
    async usage(request: KeyRequest): Promise<KeyUsage | null> {
      return keyUsage !== undefined && request.keyHash !== null ? keyUsage(request.keyHash) : null;
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
