import { AppError } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';
import type { RequestPatch } from '../store/request-store.js';
import { historyEntry } from './history.js';
import { holdsLiveKey, type LifecyclePolicy, renewable } from './lifecycle.js';
import type { HistoryAction, KeyRequest, RequestState } from './request-types.js';

/** The state changes people make, from which states, and where each leads (docs/design.md,
 * "Request states"). This table is the one owner of that rule: admin.decide() and the
 * requester's renew/revoke go through planTransition(), and the admin HTTP routes, MCP tools
 * and CLI commands are generated from ADMIN_ACTIONS. The worker then does what the new state
 * asks for (mint or extend and mail, mail, delete the key).
 *
 * `from` lists the states an action may start from; `when` adds a condition on the request:
 * `live-key` (holdsLiveKey) or `renewable` (the renewal rules of lifecycle.ts). */
export const TRANSITIONS = {
  /** From denied, expired or revoked it re-issues: a new cycle. */
  approve: { from: ['pending', 'in-review', 'denied', 'expired', 'revoked'], to: 'approved' },
  deny: { from: ['pending', 'in-review'], to: 'denied' },
  revoke: { from: ['pending', 'approved', 'denied', 'in-review'], to: 'revoked', when: 'live-key' },
  /** The original MCP `review`: set a pending request aside for a human. */
  park: { from: ['pending'], to: 'in-review' },
  /** The original MCP `pending`: back through the chain; from denied it is a new cycle. */
  requeue: { from: ['in-review', 'denied'], to: 'pending' },
  /** The requester starts over (a POST for the same address and model, or Renew on the page). */
  renew: { from: ['approved', 'denied', 'expired', 'revoked'], to: 'pending', when: 'renewable' },
} as const satisfies Record<
  string,
  { from: readonly RequestState[]; to: RequestState; when?: 'live-key' | 'renewable' }
>;

export type Action = keyof typeof TRANSITIONS;

/** The decisions every admin front offers as its own route, tool or command. */
export const ADMIN_ACTIONS = ['approve', 'deny', 'revoke'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];
export const ADMIN_TRANSITIONS: Pick<typeof TRANSITIONS, AdminAction> = TRANSITIONS;

/** What admin.decide() accepts: the admin actions plus park and requeue (the original MCP
 * `review` and `pending` tools). */
export const DECISIONS = [...ADMIN_ACTIONS, 'park', 'requeue'] as const;
export type Decision = (typeof DECISIONS)[number];

export function isAdminAction(value: string): value is AdminAction {
  return (ADMIN_ACTIONS as readonly string[]).includes(value);
}

export function isDecision(value: string): value is Decision {
  return (DECISIONS as readonly string[]).includes(value);
}

/** Whether `action` may start from `state` at all (its condition aside). */
export function allowsFrom(action: Action, state: RequestState): boolean {
  return (TRANSITIONS[action].from as readonly RequestState[]).includes(state);
}

/** Where an action may start, for help texts and errors: `pending or in-review`. */
export function fromStates(action: Action, separator = ' or '): string {
  switch (action) {
    case 'revoke':
      return 'any state while the request holds a live key';
    case 'renew':
      return [
        'expired',
        'revoked',
        'denied (once the cool-down after the denial has passed)',
        'approved (within the reminder period before its expiry)',
      ].join(separator);
    default:
      return TRANSITIONS[action].from.join(separator);
  }
}

/** Whether `action` applies to `request` at `now`. */
export function allows(action: Action, request: KeyRequest, now: number, policy: LifecyclePolicy): boolean {
  const rule: { from: readonly RequestState[]; when?: string } = TRANSITIONS[action];
  if (!rule.from.includes(request.state)) {
    return false;
  }
  if (rule.when === 'live-key') {
    return holdsLiveKey(request, now);
  }
  if (rule.when === 'renewable') {
    return renewable(request, now, policy);
  }
  return true;
}

/** Whether the action makes the request start over: a new cycle, whose mails are new
 * messages (the cycle is part of their Message-IDs) and whose key is extended or minted. */
export function startsCycle(action: Action, from: RequestState): boolean {
  return (
    action === 'renew' ||
    (action === 'approve' && (from === 'denied' || from === 'expired' || from === 'revoked')) ||
    (action === 'requeue' && from === 'denied')
  );
}

/** Whether a change from `from` to `to` made outside the service (a `kubectl label`) starts a
 * new cycle: it does when an action of the table makes the same move and starts one (approve
 * from denied, expired or revoked; back to pending from denied, expired, revoked or approved).
 * The new cycle's mails are then new messages, not repeats of the earlier cycle's (their
 * Message-IDs carry the cycle). */
export function changeStartsCycle(from: RequestState, to: RequestState): boolean {
  return (Object.keys(TRANSITIONS) as Action[]).some(
    (action) => TRANSITIONS[action].to === to && allowsFrom(action, from) && startsCycle(action, from),
  );
}

const HISTORY_ACTION: Record<Action, HistoryAction> = {
  approve: 'approved',
  deny: 'denied',
  revoke: 'revoked',
  park: 'parked',
  requeue: 'requeued',
  renew: 'renewal-requested',
};

export interface TransitionInput {
  /** Who acts (requests/history.ts ACTORS). */
  actor: string;
  /** The decision's reason, already checked; null = none. The request keeps its current reason
   * when a parking admin gives none; pending requests (requeued, renewed) carry none. */
  reason: string | null;
  now: number;
  policy: LifecyclePolicy;
}

/** The patch that applies `action` to `request` (state, reason, cycle and its history entry, in
 * one conditional write), or a `conflict` naming the states it is allowed from. */
export function planTransition(
  action: Action,
  request: KeyRequest,
  input: TransitionInput,
): Result<RequestPatch> {
  if (!allows(action, request, input.now, input.policy)) {
    return fail(
      new AppError(
        'conflict',
        `Cannot ${action} a request that is ${request.state}; allowed from: ${fromStates(action, ', ')}`,
      ),
    );
  }
  const to = TRANSITIONS[action].to;
  const newCycle = startsCycle(action, request.state);
  const reason = to === 'pending' ? null : (input.reason ?? (action === 'park' ? request.reason : null));
  return ok({
    state: to,
    reason,
    ...(newCycle ? { cycle: request.cycle + 1, notificationFailure: null } : {}),
    append: [
      historyEntry(newCycle && action === 'approve' ? 'reissued' : HISTORY_ACTION[action], input.actor, {
        from: request.state,
        to,
        reason: input.reason,
      }),
    ],
  });
}
