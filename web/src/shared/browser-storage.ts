/** Just the part of Storage that is used, so tests can pass a Map-backed one. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/** The browser's storage, or null where it is unavailable (blocked by privacy settings):
 * every caller treats null as "nothing remembered". */
export function browserStorage(kind: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}
