import type { RequestState } from './request-types.js';

/** The state changes an admin may make, from which states, and where each leads
 * (docs/design.md "Request states"). This table is the one owner of that rule: admin.decide()
 * enforces it, and the HTTP routes, MCP tools and CLI commands are generated from its keys.
 * The worker then does what the new state asks for (mint and mail, mail, delete the key). */
export const ADMIN_TRANSITIONS = {
  approve: { from: ['pending', 'in-review'], to: 'approved' },
  deny: { from: ['pending', 'in-review'], to: 'denied' },
  revoke: { from: ['approved'], to: 'revoked' },
} as const satisfies Record<string, { from: readonly RequestState[]; to: RequestState }>;

export type AdminAction = keyof typeof ADMIN_TRANSITIONS;
export const ADMIN_ACTIONS = Object.keys(ADMIN_TRANSITIONS) as AdminAction[];

export function isAdminAction(value: string): value is AdminAction {
  return Object.hasOwn(ADMIN_TRANSITIONS, value);
}

/** Whether `action` may be applied to a request in `state`. */
export function allowsFrom(action: AdminAction, state: RequestState): boolean {
  return (ADMIN_TRANSITIONS[action].from as readonly RequestState[]).includes(state);
}

/** The states an action starts from, for help texts and errors: `pending or in-review`. */
export function fromStates(action: AdminAction, separator = ' or '): string {
  return ADMIN_TRANSITIONS[action].from.join(separator);
}
