import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../shared/browser-storage.js';
import {
  RECENT_KEY,
  RECENT_LIMIT,
  readRecent,
  rememberRequest,
  updateRecentStatus,
} from './recent-requests.js';

function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, value);
    },
  };
}

const entry = (id: string) => ({
  id,
  model: 'gpt-4',
  status: 'pending' as const,
  at: '2024-05-01T10:00:00Z',
});

describe('recent requests', () => {
  it('keeps the newest first, moves a repeated id to the top and caps the list', () => {
    const store = memoryStore();
    for (let i = 0; i < RECENT_LIMIT + 2; i++) {
      rememberRequest(store, entry(`r${i}`));
    }
    const list = rememberRequest(store, entry('r3'));
    expect(list.map((item) => item.id)).toEqual(['r3', 'r6', 'r5', 'r4', 'r2']);
    expect(readRecent(store)).toEqual(list);
  });

  it('reads garbage, foreign shapes and missing storage as an empty list', () => {
    expect(readRecent(null)).toEqual([]);
    expect(readRecent(memoryStore({ [RECENT_KEY]: '{not json' }))).toEqual([]);
    expect(readRecent(memoryStore({ [RECENT_KEY]: '{"id":"x"}' }))).toEqual([]);
    const mixed = JSON.stringify([entry('ok'), { id: 'bad', status: 'exploded' }, 42]);
    expect(readRecent(memoryStore({ [RECENT_KEY]: mixed })).map((item) => item.id)).toEqual(['ok']);
  });

  it("keeps a request's token, and drops an entry whose token is not text", () => {
    const store = memoryStore();
    rememberRequest(store, { ...entry('a'), token: 'tok-a' });
    expect(readRecent(store)[0]?.token).toBe('tok-a');
    const odd = JSON.stringify([{ ...entry('b'), token: 7 }, entry('c')]);
    expect(readRecent(memoryStore({ [RECENT_KEY]: odd })).map((item) => item.id)).toEqual(['c']);
  });

  it('still returns the new list when storage refuses to write', () => {
    const full: KeyValueStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(rememberRequest(full, entry('a')).map((item) => item.id)).toEqual(['a']);
  });
});

describe('updateRecentStatus', () => {
  it('updates a remembered request in place and ignores unknown ids', () => {
    const store = memoryStore();
    rememberRequest(store, entry('a'));
    rememberRequest(store, entry('b'));
    updateRecentStatus(store, 'a', 'approved');
    updateRecentStatus(store, 'zzz', 'denied');
    expect(readRecent(store).map((item) => [item.id, item.status])).toEqual([
      ['b', 'pending'],
      ['a', 'approved'],
    ]);
  });
});
