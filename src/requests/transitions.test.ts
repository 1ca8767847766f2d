import { describe, expect, it } from 'vitest';
import type { LifecyclePolicy } from './lifecycle.js';
import { newRequest } from './request-rules.js';
import { type KeyRequest, REQUEST_STATES, type RequestState } from './request-types.js';
import {
  type Action,
  allows,
  changeStartsCycle,
  fromStates,
  planTransition,
  startsCycle,
  TRANSITIONS,
} from './transitions.js';

const NOW = Date.parse('2025-06-01T00:00:00.000Z');
const POLICY: LifecyclePolicy = { remindBeforeMs: 0, denyCooldownMs: 0 };
const input = { actor: 'admin:root', reason: 'because', now: NOW, policy: POLICY };

function request(state: RequestState, patch: Partial<KeyRequest> = {}): KeyRequest {
  return {
    ...newRequest({ id: 'r-1', email: 'a@example.com', model: 'm1' }, '2025-01-01T00:00:00.000Z'),
    state,
    reason: 'earlier',
    cycle: 3,
    version: '1',
    ...patch,
  };
}

/** The table of docs/design.md, written out; the requests hold no key material, so revoke is
 * allowed only where a key is on its way (approved), and renewal with no cool-down and no
 * reminder period from expired, revoked and denied. */
const ALLOWED: Record<Action, RequestState[]> = {
  approve: ['pending', 'in-review', 'denied', 'expired', 'revoked'],
  deny: ['pending', 'in-review'],
  revoke: ['approved'],
  park: ['pending'],
  requeue: ['in-review', 'denied'],
  renew: ['denied', 'expired', 'revoked'],
};

describe('the transition table', () => {
  for (const action of Object.keys(TRANSITIONS) as Action[]) {
    it(`allows ${action} exactly from ${ALLOWED[action].join(', ')}`, () => {
      const allowed = REQUEST_STATES.filter((state) => allows(action, request(state), NOW, POLICY));
      expect(allowed).toEqual(REQUEST_STATES.filter((state) => ALLOWED[action].includes(state)));
    });
  }

  it('lets revoke start from any state holding a live key', () => {
    const live = { keyHash: 'h', expiresAt: new Date(NOW + 1000).toISOString() };
    const allowed = REQUEST_STATES.filter((state) => allows('revoke', request(state, live), NOW, POLICY));
    expect(allowed).toEqual(['pending', 'approved', 'denied', 'in-review']);
  });
});

describe('planTransition', () => {
  it('approves in the same cycle from pending, recording who and why', () => {
    expect(planTransition('approve', request('pending'), input)).toEqual({
      ok: true,
      value: {
        state: 'approved',
        reason: 'because',
        append: [
          { actor: 'admin:root', action: 'approved', from: 'pending', to: 'approved', reason: 'because' },
        ],
      },
    });
  });

  it('re-issues from denied, expired and revoked as a new cycle, clearing a given-up mail', () => {
    for (const state of ['denied', 'expired', 'revoked'] as const) {
      const plan = planTransition('approve', request(state), input);
      expect(plan).toMatchObject({
        ok: true,
        value: {
          state: 'approved',
          cycle: 4,
          notificationFailure: null,
          append: [{ action: 'reissued', from: state }],
        },
      });
      expect(startsCycle('approve', state)).toBe(true);
    }
  });

  it('renews into a new pending cycle without a reason', () => {
    expect(
      planTransition('renew', request('expired'), { ...input, actor: 'requester', reason: null }),
    ).toMatchObject({
      ok: true,
      value: {
        state: 'pending',
        reason: null,
        cycle: 4,
        append: [{ action: 'renewal-requested', actor: 'requester' }],
      },
    });
  });

  it('parks keeping the reason when none is given, and requeues without one', () => {
    expect(planTransition('park', request('pending'), { ...input, reason: null })).toMatchObject({
      ok: true,
      value: { state: 'in-review', reason: 'earlier' },
    });
    expect(planTransition('requeue', request('in-review'), input)).toMatchObject({
      ok: true,
      value: { state: 'pending', reason: null, append: [{ action: 'requeued', reason: 'because' }] },
    });
    const requeued = planTransition('requeue', request('in-review'), input);
    expect(requeued.ok ? requeued.value : null).not.toHaveProperty('cycle');
  });

  it('refuses with a conflict naming where the action may start', () => {
    expect(planTransition('deny', request('approved'), input)).toMatchObject({
      ok: false,
      error: {
        code: 'conflict',
        message: 'Cannot deny a request that is approved; allowed from: pending, in-review',
      },
    });
    expect(planTransition('revoke', request('denied'), input)).toMatchObject({
      ok: false,
      error: {
        message:
          'Cannot revoke a request that is denied; allowed from: any state while the request holds a live key',
      },
    });
    expect(fromStates('renew', ', ')).toMatch(/^expired, revoked, denied/);
  });
});

describe('changeStartsCycle (a state changed outside the service)', () => {
  it('starts a cycle exactly where an action making the same move starts one', () => {
    const starts = REQUEST_STATES.flatMap((from) =>
      REQUEST_STATES.filter((to) => changeStartsCycle(from, to)).map((to) => `${from}->${to}`),
    );
    expect(starts.sort()).toEqual(
      [
        'approved->pending',
        'denied->approved',
        'denied->pending',
        'expired->approved',
        'expired->pending',
        'revoked->approved',
        'revoked->pending',
      ].sort(),
    );
  });
});
