import { describe, expect, it } from 'vitest';
import { loadCredentials, SESSION_KEY, saveCredentials } from './admin-session.js';

function memoryStore() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => {
      data.set(key, value);
    },
    removeItem: (key: string) => {
      data.delete(key);
    },
  };
}

describe('admin session', () => {
  it('round-trips credentials and forgets them on sign-out', () => {
    const store = memoryStore();
    saveCredentials(store, { username: 'admin', password: 'pä:ss' });
    expect(loadCredentials(store)).toEqual({ username: 'admin', password: 'pä:ss' });
    saveCredentials(store, null);
    expect(store.data.has(SESSION_KEY)).toBe(false);
    expect(loadCredentials(store)).toBeNull();
  });

  it('reads corrupt or partial data as signed out', () => {
    const store = memoryStore();
    store.data.set(SESSION_KEY, '{"username":"admin"}');
    expect(loadCredentials(store)).toBeNull();
    store.data.set(SESSION_KEY, 'garbage');
    expect(loadCredentials(store)).toBeNull();
    expect(loadCredentials(null)).toBeNull();
  });
});
