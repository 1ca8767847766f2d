import { describe, expect, it } from 'vitest';
import { ACTORS, historyEntry, isAdminActor, newestEntries, publicActor } from './history.js';

describe('actors', () => {
  it('are spelt one way for every front', () => {
    expect([ACTORS.admin('root'), ACTORS.mcp('bob'), ACTORS.cli('ops'), ACTORS.plugin('whitelist')]).toEqual([
      'admin:root',
      'mcp:bob',
      'cli:ops',
      'plugin:whitelist',
    ]);
  });

  it('show the requester no administrator by name', () => {
    expect(['admin:root', 'mcp:bob', 'cli:ops'].map(publicActor)).toEqual(['admin', 'admin', 'admin']);
    expect(['plugin:whitelist', 'worker', 'requester', 'external'].map(publicActor)).toEqual([
      'plugin:whitelist',
      'worker',
      'requester',
      'external',
    ]);
    expect(isAdminActor('administrator')).toBe(false);
  });
});

describe('historyEntry', () => {
  it('fills what a duty entry does not name with null', () => {
    expect(historyEntry('mail-delivered', 'worker')).toEqual({
      actor: 'worker',
      action: 'mail-delivered',
      from: null,
      to: null,
      reason: null,
    });
  });
});

describe('newestEntries', () => {
  it('keeps the newest, oldest first', () => {
    const entries = [1, 2, 3, 4].map((n) => ({ ...historyEntry('mail-delivered', 'worker'), at: `t${n}` }));
    expect(newestEntries(entries, 2).map((entry) => entry.at)).toEqual(['t3', 't4']);
    expect(newestEntries(entries, 10)).toEqual(entries);
  });
});
