import type { AdminAction, RequestState } from '../api/api-types.js';

interface ActionRule {
  /** The server refuses the action without a reason (the requester is told it by email). */
  reasonRequired: boolean;
  /** Shown in the danger colour: it takes something away from the requester. */
  destructive: boolean;
}

export const ACTION_RULES: Record<AdminAction, ActionRule> = {
  approve: { reasonRequired: false, destructive: false },
  deny: { reasonRequired: true, destructive: true },
  revoke: { reasonRequired: true, destructive: true },
};

/** The actions the server allows from each state (409 otherwise). */
export function actionsFor(state: RequestState): AdminAction[] {
  switch (state) {
    case 'pending':
    case 'in-review':
      return ['approve', 'deny'];
    case 'approved':
      return ['revoke'];
    default:
      return [];
  }
}
