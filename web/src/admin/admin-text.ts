import type { AdminAction, AdminFilter, RequestState } from '../api/api-types.js';

export const FILTER_LABELS: Record<AdminFilter, string> = {
  review: 'In review',
  pending: 'Pending',
  approved: 'Approved',
  denied: 'Denied',
  revoked: 'Revoked',
  all: 'All',
};

export const EMPTY_TEXT: Record<AdminFilter, string> = {
  review: 'Nothing is waiting for review.',
  pending: 'No request is waiting for the approval checks.',
  approved: 'No approved requests.',
  denied: 'No denied requests.',
  revoked: 'No revoked keys.',
  all: 'No requests yet.',
};

interface ActionText {
  verb: string;
  /** What happens, shown in the confirmation dialog. */
  consequence: (email: string, model: string) => string;
  reasonRequired: boolean;
  destructive: boolean;
  done: string;
}

export const ACTION_TEXT: Record<AdminAction, ActionText> = {
  approve: {
    verb: 'Approve',
    consequence: (email, model) => `A key for ${model} is created and emailed to ${email}.`,
    reasonRequired: false,
    destructive: false,
    done: 'Approved',
  },
  deny: {
    verb: 'Deny',
    consequence: (email) => `${email} is told by email that the request was denied, with your reason.`,
    reasonRequired: true,
    destructive: true,
    done: 'Denied',
  },
  revoke: {
    verb: 'Revoke',
    consequence: (email) => `The key stops working at once, and ${email} is told by email, with your reason.`,
    reasonRequired: true,
    destructive: true,
    done: 'Revoked',
  },
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
