import type { HistoryAction, HistoryEntry, RequestState } from './request-types.js';

/** Who did something to a request, as the audit trail names them. One owner of the spelling,
 * so the requester's anonymised view and the admin views agree on what an actor is. */
export const ACTORS = {
  plugin: (name: string) => `plugin:${name}`,
  /** The HTTP console and API. */
  admin: (user: string) => `admin:${user}`,
  mcp: (user: string) => `mcp:${user}`,
  /** The operator CLI, named by the OS user running it. */
  cli: (osUser: string) => `cli:${osUser}`,
  worker: 'worker',
  requester: 'requester',
  /** A change found in the store that the service did not make (e.g. `kubectl label`). */
  external: 'external',
} as const;

const PERSON_PREFIXES = ['admin:', 'mcp:', 'cli:'];

/** An administrator acting through any front. */
export function isAdminActor(actor: string): boolean {
  return PERSON_PREFIXES.some((prefix) => actor.startsWith(prefix));
}

/** What the requester may see of an actor: never an administrator's name. */
export function publicActor(actor: string): string {
  return isAdminActor(actor) ? 'admin' : actor;
}

/** An entry as a caller hands it to the store; the store stamps `at` with the time of the
 * write unless the caller gives one. */
export type HistoryInput = Omit<HistoryEntry, 'at'> & { at?: string };

export function historyEntry(
  action: HistoryAction,
  actor: string,
  change: { from?: RequestState | null; to?: RequestState | null; reason?: string | null } = {},
): HistoryInput {
  return { actor, action, from: change.from ?? null, to: change.to ?? null, reason: change.reason ?? null };
}

/** The newest `limit` entries, oldest first, for a store that must bound what it keeps. */
export function newestEntries(history: readonly HistoryEntry[], limit: number): HistoryEntry[] {
  return history.length <= limit ? [...history] : history.slice(history.length - limit);
}
