import type { RequestState } from '../api/api-types.js';

/** States that can still change without anyone asking again: the status page keeps polling. */
export function isOpenState(state: RequestState): boolean {
  return state === 'pending' || state === 'in-review';
}

/** The portal's view after submitting: the request has settled once the automatic checks
 * are done (approved, denied, or handed to an administrator, who decides later by email). */
export function isSettled(state: RequestState): boolean {
  return state !== 'pending';
}
