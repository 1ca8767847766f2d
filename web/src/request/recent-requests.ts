import { REQUEST_STATES, type RequestState } from '../api/api-types.js';
import type { KeyValueStore } from '../shared/browser-storage.js';

export interface RecentRequest {
  id: string;
  model: string;
  status: RequestState;
  /** ISO time the request was submitted from this browser. */
  at: string;
  /** The requester's token from the creating answer: it opens the request's full page. */
  token?: string;
}

export const RECENT_KEY = 'llm-key-requestor.recent-requests';
export const RECENT_LIMIT = 5;

/** The last requests made from this browser, newest first. Storage may be missing,
 * full or hold garbage (another version, a user edit): all of that reads as "none". */
export function readRecent(storage: KeyValueStore | null): RecentRequest[] {
  if (storage === null) {
    return [];
  }
  try {
    const parsed: unknown = JSON.parse(storage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isRecent).slice(0, RECENT_LIMIT) : [];
  } catch {
    return [];
  }
}

/** Adds or refreshes one entry (the same id moves to the top) and returns the new list. */
export function rememberRequest(storage: KeyValueStore | null, entry: RecentRequest): RecentRequest[] {
  const next = [entry, ...readRecent(storage).filter((item) => item.id !== entry.id)].slice(0, RECENT_LIMIT);
  try {
    storage?.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // Private mode or a full quota: remembering is a convenience, the request itself succeeded.
  }
  return next;
}

function isRecent(value: unknown): value is RecentRequest {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const item = value as Record<string, unknown>;
  return (
    typeof item.id === 'string' &&
    typeof item.model === 'string' &&
    typeof item.at === 'string' &&
    (item.token === undefined || typeof item.token === 'string') &&
    (REQUEST_STATES as readonly unknown[]).includes(item.status)
  );
}

/** Records a newer status for a request this browser already remembers; others are left alone. */
export function updateRecentStatus(storage: KeyValueStore | null, id: string, status: RequestState): void {
  const list = readRecent(storage);
  const index = list.findIndex((item) => item.id === id);
  const found = list[index];
  if (found === undefined || found.status === status) {
    return;
  }
  list[index] = { ...found, status };
  try {
    storage?.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // See rememberRequest.
  }
}
