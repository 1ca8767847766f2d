import type { AdminAction, AdminRequest, AllowedAction } from '../api/api-types.js';

/** A console button as the admin reads it: an approval that starts a new cycle (from denied,
 * expired or revoked) is a re-issue; every other one is named after its API action. */
export type ActionVerb = AdminAction | 'reissue';

export interface OfferedAction {
  verb: ActionVerb;
  /** The route it posts to: /api/admin/requests/{id}/<action>. */
  action: AdminAction;
  /** From the API: whether the body must, may or must not carry a reason. */
  reason: AllowedAction['reason'];
  /** Shown in the danger colour: it takes something away from the requester. */
  destructive: boolean;
}

const DESTRUCTIVE: Record<AdminAction, boolean> = {
  approve: false,
  deny: true,
  revoke: true,
  resend: false,
};

/** The buttons a request gets: exactly its `allowed_actions` (the server owns the state
 * rules, so the console keeps no copy of them and offers nothing that would answer 409). */
export function offeredActions(request: Pick<AdminRequest, 'allowed_actions'>): OfferedAction[] {
  return request.allowed_actions.map((allowed) => ({
    verb: allowed.action === 'approve' && allowed.new_cycle ? 'reissue' : allowed.action,
    action: allowed.action,
    reason: allowed.reason,
    destructive: DESTRUCTIVE[allowed.action],
  }));
}
