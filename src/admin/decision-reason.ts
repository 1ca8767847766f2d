import { MAX_REASON_LENGTH } from '../requests/limits.js';
import type { Decision } from '../requests/transitions.js';
import { fail, ok, type Result } from '../shared/result.js';

/** The reason rule of admin decisions, the same for every front (HTTP, MCP, CLI, web).
 * A denial or a revocation is mailed to the requester with its reason, so it must say
 * something; an approval may go without one and then records a reason that names no one
 * (reasons are shown to the requester; the history names the admin for other admins).
 * Parking and requeueing may go without one: a parked request keeps its reason, a requeued
 * one goes back through the chain, which gives it a new one. */
const REASON_RULE: Record<Decision, { required: boolean; fallback: string | null }> = {
  approve: { required: false, fallback: 'Approved by an administrator' },
  deny: { required: true, fallback: null },
  revoke: { required: true, fallback: null },
  park: { required: false, fallback: null },
  requeue: { required: false, fallback: null },
};

export type ReasonProblem = { kind: 'required' } | { kind: 'too-long'; length: number };

export function reasonRequired(action: Decision): boolean {
  return REASON_RULE[action].required;
}

/** The reason as given, trimmed; null when none was given and the action may go without one.
 * Fronts that want to refuse early (the CLI's usage errors) call this; admin.decide() always does. */
export function checkReason(
  action: Decision,
  raw: string | null | undefined,
): Result<string | null, ReasonProblem> {
  const reason = raw?.trim() ?? '';
  if (reason.length > MAX_REASON_LENGTH) {
    return fail({ kind: 'too-long', length: reason.length });
  }
  if (reason === '') {
    return reasonRequired(action) ? fail({ kind: 'required' }) : ok(null);
  }
  return ok(reason);
}

/** What is recorded when no reason was given: `Approved by an administrator` for an approval. */
export function defaultReason(action: Decision): string | null {
  return REASON_RULE[action].fallback;
}

export function reasonProblemMessage(action: Decision, problem: ReasonProblem): string {
  return problem.kind === 'required'
    ? `A reason is required to ${action} a request`
    : `A reason is at most ${MAX_REASON_LENGTH} characters, got ${problem.length}`;
}
