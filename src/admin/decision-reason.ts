import { MAX_REASON_LENGTH } from '../requests/limits.js';
import type { AdminAction } from '../requests/transitions.js';
import { fail, ok, type Result } from '../shared/result.js';

/** The reason rule of admin decisions, the same for every front (HTTP, MCP, CLI, web).
 * A denial or a revocation is mailed to the requester with its reason, so it must say
 * something; an approval may go without one and then records who approved. */
const DEFAULT_REASON: Record<AdminAction, ((actor: string) => string) | null> = {
  approve: (actor) => `Approved by ${actor}`,
  deny: null,
  revoke: null,
};

export type ReasonProblem = { kind: 'required' } | { kind: 'too-long'; length: number };

export function reasonRequired(action: AdminAction): boolean {
  return DEFAULT_REASON[action] === null;
}

/** The reason as given, trimmed; null when none was given and the action may go without one.
 * Fronts that want to refuse early (the CLI's usage errors) call this; admin.decide() always does. */
export function checkReason(
  action: AdminAction,
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

/** What is recorded when no reason was given, e.g. `Approved by root`. */
export function defaultReason(action: AdminAction, actor: string): string | null {
  return DEFAULT_REASON[action]?.(actor) ?? null;
}

export function reasonProblemMessage(action: AdminAction, problem: ReasonProblem): string {
  return problem.kind === 'required'
    ? `A reason is required to ${action} a request`
    : `A reason is at most ${MAX_REASON_LENGTH} characters, got ${problem.length}`;
}
