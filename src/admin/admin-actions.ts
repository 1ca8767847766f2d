import { redoNotification } from '../requests/duties.js';
import { historyEntry } from '../requests/history.js';
import type { LifecyclePolicy } from '../requests/lifecycle.js';
import type { KeyRequest } from '../requests/request-types.js';
import { ADMIN_ACTIONS, type AdminAction, allows, startsCycle } from '../requests/transitions.js';
import { AppError } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';
import type { RequestPatch } from '../store/request-store.js';
import { reasonRequired } from './decision-reason.js';

/** What an admin can do to one request: the decisions, and re-sending a notification the
 * worker gave up on. Each is a route under /api/admin/requests/{id}/. */
export const CONSOLE_ACTIONS = [...ADMIN_ACTIONS, 'resend'] as const;
export type ConsoleAction = (typeof CONSOLE_ACTIONS)[number];

/** How an action asks for a reason: `required` (it is mailed to the requester), `optional`,
 * or `none` (the action takes no reason at all). */
export const REASON_MODES = ['required', 'optional', 'none'] as const;
export type ReasonMode = (typeof REASON_MODES)[number];

export interface AvailableAction {
  action: ConsoleAction;
  reason: ReasonMode;
  /** It starts a new cycle of the request: an approval from denied, expired or revoked is a
   * re-issue. */
  newCycle: boolean;
}

/** The actions the request allows right now, from the one owner of each rule (the transitions
 * table, the reason rule, the resend rule below), so the console offers exactly what the API
 * accepts and keeps no copy of the policy. */
export function availableActions(
  request: KeyRequest,
  now: number,
  policy: LifecyclePolicy,
): AvailableAction[] {
  const decisions = ADMIN_ACTIONS.filter((action) => allows(action, request, now, policy)).map(
    (action: AdminAction): AvailableAction => ({
      action,
      reason: reasonRequired(action) ? 'required' : 'optional',
      newCycle: startsCycle(action, request.state),
    }),
  );
  const resend = planResend(request, 'admin', now).ok
    ? [{ action: 'resend' as const, reason: 'none' as const, newCycle: false }]
    : [];
  return [...decisions, ...resend];
}

/** The patch that makes a notification the worker gave up on (`notificationFailure`) due again:
 * the failure is cleared, the backoff reset, and the history records who asked. A `conflict`
 * when there is none, or when the request has moved on and that mail is no longer owed. */
export function planResend(request: KeyRequest, actor: string, now: number): Result<RequestPatch> {
  const failure = request.notificationFailure;
  if (failure === null) {
    return fail(new AppError('conflict', 'This request has no failed notification to re-send'));
  }
  const redo = redoNotification(request, failure.kind, now);
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
}
