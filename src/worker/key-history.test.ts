import { describe, expect, it } from 'vitest';
import { historyEntry } from '../requests/history.js';
import type { HistoryAction, HistoryEntry, RequestState } from '../requests/request-types.js';
import { keyDeletionOwed, keyIssuedForApproval } from './key-history.js';

const at = '2031-01-01T00:00:00.000Z';
const change = (
  from: RequestState | null,
  to: RequestState,
  action: HistoryAction = 'decided',
): HistoryEntry => ({
  at,
  ...historyEntry(action, 'worker', { from, to }),
});
const duty = (action: HistoryAction, state: RequestState = 'approved'): HistoryEntry => ({
  at,
  ...historyEntry(action, 'worker', { from: state, to: state }),
});
const none = { keyHash: null, apiKey: null, pendingKey: null };

describe('keyIssuedForApproval', () => {
  it('is the key entry recorded since the request last became approved', () => {
    const history = [change(null, 'pending', 'created'), change('pending', 'approved'), duty('key-minted')];
    expect(keyIssuedForApproval({ history, apiKey: null })).toBe('key-minted');
    expect(keyIssuedForApproval({ history: [...history, duty('mail-delivered')], apiKey: null })).toBe(
      'key-minted',
    );
  });

  it("is null while a renewal's approval has no key yet: the previous cycle's key does not count", () => {
    const history = [
      change('pending', 'approved'),
      duty('key-minted'),
      change('approved', 'pending', 'renewal-requested'),
      change('pending', 'approved'),
    ];
    expect(keyIssuedForApproval({ history, apiKey: 'sk-kept-from-cycle-1' })).toBeNull();
    expect(keyIssuedForApproval({ history: [...history, duty('key-extended')], apiKey: null })).toBe(
      'key-extended',
    );
  });

  it('counts a kept plain key as minted on a record older than the history', () => {
    expect(keyIssuedForApproval({ history: [], apiKey: 'sk-legacy' })).toBe('key-minted');
    expect(keyIssuedForApproval({ history: [], apiKey: null })).toBeNull();
  });
});

describe('keyDeletionOwed', () => {
  const minted = [change('pending', 'approved'), duty('key-minted')];

  it('holds for whatever a revoked request still has, and for nothing once it has none', () => {
    expect(keyDeletionOwed({ state: 'revoked', history: [], ...none, keyHash: 'h' })).toBe(true);
    expect(keyDeletionOwed({ state: 'revoked', history: [], ...none })).toBe(false);
  });

  it('holds for a request moved from approved to denied, not for one the chain denied', () => {
    const relabelled = [...minted, change('approved', 'denied', 'external-change')];
    expect(keyDeletionOwed({ state: 'denied', history: relabelled, ...none, keyHash: 'h' })).toBe(true);
    const renewalDenied = [
      ...minted,
      change('approved', 'pending', 'renewal-requested'),
      change('pending', 'denied'),
    ];
    expect(keyDeletionOwed({ state: 'denied', history: renewalDenied, ...none, keyHash: 'h' })).toBe(false);
  });

  it('still holds after the request moved on before the deletion, and no longer once it is recorded', () => {
    const moved = [
      ...minted,
      change('approved', 'revoked', 'revoked'),
      change('revoked', 'approved', 'reissued'),
    ];
    expect(keyDeletionOwed({ state: 'approved', history: moved, ...none, keyHash: 'h' })).toBe(true);
    expect(
      keyDeletionOwed({ state: 'approved', history: [...moved, duty('key-deleted')], ...none, keyHash: 'h' }),
    ).toBe(false);
  });
});
