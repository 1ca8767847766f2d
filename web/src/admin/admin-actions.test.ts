import { describe, expect, it } from 'vitest';
import { ACTION_RULES, actionsFor } from './admin-actions.js';

describe('actionsFor', () => {
  it('offers approve and deny while a request is open, revoke once approved, nothing after', () => {
    expect(actionsFor('pending')).toEqual(['approve', 'deny']);
    expect(actionsFor('in-review')).toEqual(['approve', 'deny']);
    expect(actionsFor('approved')).toEqual(['revoke']);
    expect(actionsFor('denied')).toEqual([]);
    expect(actionsFor('revoked')).toEqual([]);
  });

  it('requires a reason exactly for the destructive actions', () => {
    expect(ACTION_RULES.approve.reasonRequired).toBe(false);
    expect(ACTION_RULES.deny.reasonRequired).toBe(true);
    expect(ACTION_RULES.revoke.reasonRequired).toBe(true);
  });
});
