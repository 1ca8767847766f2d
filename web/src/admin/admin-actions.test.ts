import { describe, expect, it } from 'vitest';
import { offeredActions } from './admin-actions.js';

describe('offeredActions', () => {
  it("offers what the API allows, in its order, with the API's reason rule", () => {
    const offered = offeredActions({
      allowed_actions: [
        { action: 'approve', reason: 'optional', new_cycle: false },
        { action: 'deny', reason: 'required', new_cycle: false },
      ],
    });
    expect(offered).toEqual([
      { verb: 'approve', action: 'approve', reason: 'optional', destructive: false },
      { verb: 'deny', action: 'deny', reason: 'required', destructive: true },
    ]);
  });

  it('calls an approval that starts a new cycle a re-issue, and offers nothing the API does not', () => {
    const offered = offeredActions({
      allowed_actions: [
        { action: 'approve', reason: 'optional', new_cycle: true },
        { action: 'resend', reason: 'none', new_cycle: false },
      ],
    });
    expect(offered.map(({ verb, action, reason }) => [verb, action, reason])).toEqual([
      ['reissue', 'approve', 'optional'],
      ['resend', 'resend', 'none'],
    ]);
    expect(offered.some((item) => item.destructive)).toBe(false);
    expect(offeredActions({ allowed_actions: [] })).toEqual([]);
  });
});
