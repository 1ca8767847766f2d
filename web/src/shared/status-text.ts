import type { RequestState } from '../api/api-types.js';

interface StateText {
  label: string;
  /** What the state means for the person who asked, in plain words. */
  explanation: string;
}

export const STATE_TEXT: Record<RequestState, StateText> = {
  pending: {
    label: 'Pending',
    explanation: 'Your request is queued for the automatic approval checks. This page updates by itself.',
  },
  'in-review': {
    label: 'In review',
    explanation: 'An administrator needs to look at this request. You will get an email when they decide.',
  },
  approved: {
    label: 'Approved',
    explanation: 'The key was emailed to you. Check your inbox (and the spam folder) for it.',
  },
  denied: {
    label: 'Denied',
    explanation: 'The request was not approved. The reason was emailed to you.',
  },
  revoked: {
    label: 'Revoked',
    explanation: 'The key was switched off by an administrator and no longer works.',
  },
};

/** What happens next, in plain words, for the person who just submitted. */
export const NEXT_STEP: Record<RequestState, string> = {
  pending:
    'The automatic checks are running. This usually takes a few seconds, and this box updates by itself.',
  'in-review':
    'An administrator needs to look at this request. You will get an email when they decide; you can close this page.',
  approved:
    'Approved. The key is being created and emailed to you: check your inbox (and the spam folder) in a minute.',
  denied: 'Not approved. The reason has been emailed to you as well.',
  revoked: 'The key was switched off by an administrator and no longer works.',
};

/** States that can still change without anyone asking again: the status page keeps polling. */
export function isOpenState(state: RequestState): boolean {
  return state === 'pending' || state === 'in-review';
}

/** The portal's view after submitting: the request has settled once the automatic checks
 * are done (approved, denied, or handed to an administrator, who decides later by email). */
export function isSettled(state: RequestState): boolean {
  return state !== 'pending';
}

export function stateLabel(state: string): string {
  return (STATE_TEXT as Record<string, StateText | undefined>)[state]?.label ?? state;
}

/** A readable local time; the raw ISO string when the server sent something unparsable. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
