import type { AdminCredentials } from '../api/api-client.js';
import type { KeyValueStore } from '../shared/browser-storage.js';

export const SESSION_KEY = 'llm-key-requestor.admin';

/** Credentials live in sessionStorage only: gone when the tab closes, never in localStorage. */
export function loadCredentials(storage: KeyValueStore | null): AdminCredentials | null {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(SESSION_KEY) ?? 'null');
    if (typeof parsed === 'object' && parsed !== null) {
      const { username, password } = parsed as Record<string, unknown>;
      if (typeof username === 'string' && typeof password === 'string' && username !== '') {
        return { username, password };
      }
    }
  } catch {
    // Unreadable session data means "signed out".
  }
  return null;
}

export function saveCredentials(
  storage: (KeyValueStore & Pick<Storage, 'removeItem'>) | null,
  credentials: AdminCredentials | null,
): void {
  try {
    if (credentials === null) {
      storage?.removeItem(SESSION_KEY);
    } else {
      storage?.setItem(SESSION_KEY, JSON.stringify(credentials));
    }
  } catch {
    // Without storage the session lasts until the page is reloaded.
  }
}
