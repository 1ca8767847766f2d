import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustUpdate } from '../../test/support/must-update.js';
import type { LifecyclePolicy } from '../requests/lifecycle.js';
import type { KeyRequest, RequestState } from '../requests/request-types.js';
import { AppError } from '../shared/errors.js';
import type { ListSort, RequestStore } from '../store/request-store.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { type AdminService, createAdminService } from './admin-service.js';

const LIFECYCLE: LifecyclePolicy = { remindBeforeMs: 7 * 86_400_000, denyCooldownMs: 86_400_000 };
let store: RequestStore;
let wakes: number;
let admin: AdminService;

beforeEach(() => {
  store = createSqliteStore({ path: ':memory:' });
  wakes = 0;
  admin = createAdminService({ store, wakeWorker: () => wakes++, lifecycle: LIFECYCLE });
});
afterEach(async () => {
  await store.close();
});

/** A stored request in `state`, as the worker or an earlier decision would have left it. */
async function requestIn(state: RequestState, email = 'dev@example.com'): Promise<KeyRequest> {
  const { request } = await store.create({ email, model: 'gpt-4' });
  return state === 'pending' ? request : mustUpdate(store, request, { state, reason: `was ${state}` });
}

async function failureOf(decision: Promise<unknown>): Promise<AppError> {
  const error = await decision.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AppError)) {
    throw new Error(`expected an AppError, got ${String(error)}`);
  }
  return error;
}

const STATES: RequestState[] = ['pending', 'in-review', 'approved', 'denied', 'revoked', 'expired'];

/** Written out rather than read from requests/transitions.ts, so the test checks the table.
 * The requests of requestIn() hold no key material: of them only an approved one (its key on
 * the way) holds a live key. */
const EXPECTED = {
  approve: {
    from: ['pending', 'in-review', 'denied', 'expired', 'revoked'],
    to: 'approved',
    allowed: 'pending, in-review, denied, expired, revoked',
  },
  deny: { from: ['pending', 'in-review'], to: 'denied', allowed: 'pending, in-review' },
  revoke: { from: ['approved'], to: 'revoked', allowed: 'any state while the request holds a live key' },
  park: { from: ['pending'], to: 'in-review', allowed: 'pending' },
  requeue: { from: ['in-review', 'denied'], to: 'pending', allowed: 'in-review, denied' },
} as const;

describe('admin.decide() transitions', () => {
  for (const [action, rule] of Object.entries(EXPECTED) as [
    keyof typeof EXPECTED,
    { from: readonly RequestState[]; to: RequestState; allowed: string },
  ][]) {
    for (const state of STATES) {
      if ((rule.from as readonly string[]).includes(state)) {
        it(`${action} moves a ${state} request to ${rule.to} and wakes the worker`, async () => {
          const request = await requestIn(state);
          const decided = await admin.decide(action, request.id, { reason: 'because', actor: 'admin:root' });
          const reason = rule.to === 'pending' ? null : 'because';
          expect(decided).toMatchObject({ id: request.id, state: rule.to, reason });
          expect(decided.history.at(-1)).toMatchObject({ actor: 'admin:root', from: state, to: rule.to });
          expect(await store.get(request.id)).toEqual(decided);
          expect(wakes).toBe(1);
        });
      } else {
        it(`${action} refuses a ${state} request with a conflict naming the allowed states`, async () => {
          const request = await requestIn(state);
          const error = await failureOf(
            admin.decide(action, request.id, { reason: 'because', actor: 'admin:root' }),
          );
          expect(error.code).toBe('conflict');
          expect(error.message).toBe(
            `Cannot ${action} a request that is ${state}; allowed from: ${rule.allowed}`,
          );
          expect(await store.get(request.id)).toEqual(request);
          expect(wakes).toBe(0);
        });
      }
    }
  }
});

describe('admin.decide() reasons', () => {
  it.each([undefined, null, '', '   \n'])(
    'records an approval that names no one when the reason is %j, and who approved in the history',
    async (reason) => {
      const request = await requestIn('in-review');
      const decided = await admin.decide('approve', request.id, { reason, actor: 'cli:alice' });
      expect(decided.reason).toBe('Approved by an administrator');
      expect(decided.history.at(-1)).toMatchObject({ action: 'approved', actor: 'cli:alice' });
    },
  );

  it('keeps the reason of a request parked without one', async () => {
    const { request } = await store.create({ email: 'dev@example.com', model: 'gpt-4' });
    const decided = await mustUpdate(store, request, { reason: 'asked for budget' });
    expect((await admin.decide('park', decided.id, { actor: 'mcp:bob' })).reason).toBe('asked for budget');
  });

  it('trims the reason it records', async () => {
    const request = await requestIn('pending');
    expect(
      (await admin.decide('deny', request.id, { reason: '  Use the small model \n', actor: 'admin:root' }))
        .reason,
    ).toBe('Use the small model');
  });

  it.each([
    ['deny', 'pending'],
    ['revoke', 'approved'],
  ] as const)('requires a reason to %s, changing nothing', async (action, state) => {
    const request = await requestIn(state);
    for (const reason of [undefined, null, '', '  \t ']) {
      const error = await failureOf(admin.decide(action, request.id, { reason, actor: 'admin:root' }));
      expect(error.code).toBe('validation');
      expect(error.message).toBe(`A reason is required to ${action} a request`);
      expect(error.details).toEqual([
        { loc: ['body', 'reason'], msg: `A reason is required to ${action} a request`, type: 'value_error' },
      ]);
    }
    expect(await store.get(request.id)).toEqual(request);
    expect(wakes).toBe(0);
  });

  it('bounds the reason at 1000 characters after trimming', async () => {
    const request = await requestIn('pending');
    const error = await failureOf(
      admin.decide('deny', request.id, { reason: 'x'.repeat(1001), actor: 'admin:root' }),
    );
    expect(error.code).toBe('validation');
    expect(error.message).toContain('at most 1000 characters');
    const decided = await admin.decide('deny', request.id, {
      reason: ` ${'x'.repeat(1000)} `,
      actor: 'admin:root',
    });
    expect(decided.reason).toHaveLength(1000);
  });

  it('checks the reason before looking the request up', async () => {
    const error = await failureOf(admin.decide('deny', 'no-such-request', { actor: 'admin:root' }));
    expect(error.code).toBe('validation');
  });
});

describe('admin.decide() under concurrent changes', () => {
  const serviceOver = (raced: Pick<RequestStore, 'get' | 'list' | 'update' | 'stats'>) =>
    createAdminService({ store: raced, wakeWorker: () => wakes++, lifecycle: LIFECYCLE });

  /** The real store, with `before` run by "another process" just ahead of each admin update. */
  function racing(before: (current: KeyRequest) => Promise<unknown>): Pick<
    RequestStore,
    'get' | 'list' | 'update' | 'stats'
  > & {
    updates: number;
  } {
    const wrapped = {
      updates: 0,
      get: (id: string) => store.get(id),
      list: store.list.bind(store),
      stats: store.stats.bind(store),
      async update(...args: Parameters<RequestStore['update']>) {
        wrapped.updates++;
        const current = await store.get(args[0]);
        if (current) {
          await before(current);
        }
        return store.update(...args);
      },
    };
    return wrapped;
  }

  it('re-reads and retries when the worker changed the request in between', async () => {
    const request = await requestIn('in-review');
    let renewals = 0;
    const raced = racing(async (current) => {
      if (renewals++ === 0) {
        await mustUpdate(store, current, { work: { attempts: 3 } });
      }
    });
    const decided = await serviceOver(raced).decide('approve', request.id, { actor: 'admin:root' });
    expect(raced.updates).toBe(2);
    expect(decided).toMatchObject({ state: 'approved', reason: 'Approved by an administrator' });
    // The concurrent change is kept, not overwritten.
    expect(decided.work.attempts).toBe(3);
    expect(wakes).toBe(1);
  });

  it('answers a conflict when a concurrent decision made the action impossible', async () => {
    const request = await requestIn('in-review');
    const raced = racing(async (current) => {
      if (current.state === 'in-review') {
        await mustUpdate(store, current, { state: 'approved', reason: 'another admin said yes' });
      }
    });
    const error = await failureOf(
      serviceOver(raced).decide('deny', request.id, { reason: 'no', actor: 'admin:root' }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toBe('Cannot deny a request that is approved; allowed from: pending, in-review');
    expect(await store.get(request.id)).toMatchObject({
      state: 'approved',
      reason: 'another admin said yes',
    });
    expect(wakes).toBe(0);
  });

  it('gives up with a retryable conflict when the request keeps changing', async () => {
    const request = await requestIn('pending');
    const raced = racing((current) =>
      mustUpdate(store, current, { work: { attempts: current.work.attempts + 1 } }),
    );
    const error = await failureOf(
      serviceOver(raced).decide('deny', request.id, { reason: 'no', actor: 'admin:root' }),
    );
    expect(error.code).toBe('conflict');
    expect(error.retry).toBe(true);
    expect(error.message).toMatch(/changing right now/);
    expect(raced.updates).toBe(5);
    expect((await store.get(request.id))?.state).toBe('pending');
    expect(wakes).toBe(0);
  });
});

describe('admin.decide() and get() for an unknown id', () => {
  it('answers not-found naming the id', async () => {
    for (const decision of [
      admin.decide('approve', 'no-such-request', { actor: 'admin:root' }),
      admin.get('no-such-request'),
    ]) {
      const error = await failureOf(decision);
      expect(error.code).toBe('not-found');
      expect(error.message).toContain('"no-such-request"');
    }
    expect(wakes).toBe(0);
  });
});

describe('admin.decide(): cycles and live keys', () => {
  const HOUR = 3_600_000;

  it('re-issues a denied, expired or revoked request as a new cycle', async () => {
    for (const [index, state] of (['denied', 'expired', 'revoked'] as const).entries()) {
      const request = await requestIn(state, `re${index}@example.com`);
      const decided = await admin.decide('approve', request.id, { actor: 'admin:root' });
      expect(decided).toMatchObject({ state: 'approved', cycle: 2 });
      expect(decided.history.at(-1)).toMatchObject({ action: 'reissued', from: state, to: 'approved' });
    }
  });

  it('approves a pending or in-review request in the same cycle', async () => {
    const request = await requestIn('in-review');
    const decided = await admin.decide('approve', request.id, { reason: 'ok', actor: 'admin:root' });
    expect(decided).toMatchObject({ state: 'approved', cycle: 1, handledState: null });
    expect(decided.history.at(-1)).toEqual({
      at: decided.updatedAt,
      actor: 'admin:root',
      action: 'approved',
      from: 'in-review',
      to: 'approved',
      reason: 'ok',
    });
  });

  it('requeues a denied request as a new cycle and an in-review one in the same cycle', async () => {
    const denied = await requestIn('denied', 'd@example.com');
    const review = await requestIn('in-review', 'r@example.com');
    expect(await admin.decide('requeue', denied.id, { actor: 'mcp:bob' })).toMatchObject({
      state: 'pending',
      cycle: 2,
      reason: null,
    });
    expect(await admin.decide('requeue', review.id, { actor: 'mcp:bob' })).toMatchObject({
      state: 'pending',
      cycle: 1,
    });
  });

  it('revokes a denied request that still holds a live key, not one whose key expired', async () => {
    const live = await mustUpdate(store, await requestIn('denied', 'live@example.com'), {
      keyHash: 'a'.repeat(64),
      expiresAt: new Date(Date.now() + HOUR).toISOString(),
    });
    const gone = await mustUpdate(store, await requestIn('denied', 'gone@example.com'), {
      keyHash: 'b'.repeat(64),
      expiresAt: new Date(Date.now() - HOUR).toISOString(),
    });
    expect(await admin.decide('revoke', live.id, { reason: 'leaked', actor: 'admin:root' })).toMatchObject({
      state: 'revoked',
    });
    const error = await failureOf(admin.decide('revoke', gone.id, { reason: 'leaked', actor: 'admin:root' }));
    expect(error.code).toBe('conflict');
  });
});

describe('admin.resend()', () => {
  const failure = {
    kind: 'approval',
    error: '550 mailbox unavailable',
    at: '2025-01-01T00:00:00.000Z',
  } as const;

  it('makes a given-up approval mail due again and records who asked', async () => {
    const request = await mustUpdate(store, await requestIn('approved'), {
      apiKey: 'sk-kept-for-the-resend',
      handledState: 'approved',
      notificationFailure: failure,
      work: { attempts: 5, nextAttemptAt: Date.now() + HOUR_MS, lastError: '550' },
    });
    const resent = await admin.resend(request.id, 'admin:root');
    expect(resent).toMatchObject({
      handledState: null,
      notificationFailure: null,
      apiKey: 'sk-kept-for-the-resend',
    });
    expect(resent.work).toMatchObject({ attempts: 0, nextAttemptAt: 0, lastError: null });
    expect(resent.history.at(-1)).toMatchObject({
      action: 'mail-resent',
      actor: 'admin:root',
      reason: 'approval mail',
    });
    expect(wakes).toBe(1);
  });

  it('re-sends a reminder by marking the cycle not reminded', async () => {
    const request = await mustUpdate(store, await requestIn('approved'), {
      handledState: 'approved',
      remindedCycle: 1,
      notificationFailure: { ...failure, kind: 'reminder' },
    });
    expect((await admin.resend(request.id, 'admin:root')).remindedCycle).toBe(0);
  });

  it('refuses when nothing failed, or when the request has moved on from that mail', async () => {
    const clean = await requestIn('approved', 'clean@example.com');
    expect((await failureOf(admin.resend(clean.id, 'admin:root'))).message).toMatch(/no failed notification/);
    const moved = await mustUpdate(store, await requestIn('revoked', 'moved@example.com'), {
      notificationFailure: failure,
    });
    const error = await failureOf(admin.resend(moved.id, 'admin:root'));
    expect(error.code).toBe('conflict');
    expect(error.message).toBe(
      'Cannot re-send: the request is revoked now; its approval mail is no longer due',
    );
    expect(await store.get(moved.id)).toEqual(moved);
  });
});

describe('admin.actionsFor()', () => {
  const names = (request: KeyRequest) => admin.actionsFor(request).map((offered) => offered.action);

  it('offers the decisions the transitions allow, with their reason rule and whether they re-issue', async () => {
    expect(admin.actionsFor(await requestIn('in-review', 'r@example.com'))).toEqual([
      { action: 'approve', reason: 'optional', newCycle: false },
      { action: 'deny', reason: 'required', newCycle: false },
    ]);
    expect(admin.actionsFor(await requestIn('denied', 'd@example.com'))).toEqual([
      { action: 'approve', reason: 'optional', newCycle: true },
    ]);
    expect(names(await requestIn('approved', 'a@example.com'))).toEqual(['revoke']);
    expect(names(await requestIn('expired', 'e@example.com'))).toEqual(['approve']);
    // A pending request holds no key: nothing to revoke.
    expect(names(await requestIn('pending', 'p@example.com'))).toEqual(['approve', 'deny']);
  });

  it('offers resend exactly when admin.resend() would accept it', async () => {
    const failure = { kind: 'approval', error: '550', at: '2025-01-01T00:00:00.000Z' } as const;
    const owed = await mustUpdate(store, await requestIn('approved', 'a@example.com'), {
      handledState: 'approved',
      notificationFailure: failure,
    });
    expect(admin.actionsFor(owed).at(-1)).toEqual({ action: 'resend', reason: 'none', newCycle: false });
    const moved = await mustUpdate(store, await requestIn('revoked', 'm@example.com'), {
      notificationFailure: failure,
    });
    expect(names(moved)).not.toContain('resend');
    await expect(admin.resend(moved.id, 'admin:root')).rejects.toThrow(/no longer due/);
  });
});

describe('admin.usage()', () => {
  it("asks for the key's spend by its hash, and not at all without a key or a look-up", async () => {
    const asked: string[] = [];
    const usage = { spend: 1.5, maxBudget: 10, budgetDuration: '30d' };
    const withLookup = createAdminService({
      store,
      wakeWorker: () => {},
      lifecycle: LIFECYCLE,
      keyUsage: async (hash) => {
        asked.push(hash);
        return usage;
      },
    });
    const keyed = await mustUpdate(store, await requestIn('approved', 'k@example.com'), {
      keyHash: 'b'.repeat(64),
      keyHint: 'wxyz',
    });
    expect(await withLookup.usage(keyed)).toEqual(usage);
    expect(await withLookup.usage(await requestIn('pending', 'p@example.com'))).toBeNull();
    expect(asked).toEqual(['b'.repeat(64)]);
    expect(await admin.usage(keyed)).toBeNull();
  });
});

describe('admin.stats() and list()', () => {
  it('counts every state, expired included, and the given-up notifications', async () => {
    await requestIn('expired', 'e@example.com');
    await requestIn('pending', 'p@example.com');
    await mustUpdate(store, await requestIn('denied', 'd@example.com'), {
      notificationFailure: { kind: 'denial', error: '550', at: '2025-01-01T00:00:00.000Z' },
    });
    expect(await admin.stats()).toEqual({
      byState: { pending: 1, approved: 0, denied: 1, 'in-review': 0, revoked: 0, expired: 1 },
      notificationFailed: 1,
    });
  });

  it('searches email, model and id and sorts as asked', async () => {
    // A clock a second further on every write, so creation and change times never tie.
    let tick = 0;
    await store.close();
    store = createSqliteStore({
      path: ':memory:',
      now: () => new Date(Date.UTC(2025, 0, 1) + tick++ * 1000),
    });
    admin = createAdminService({ store, wakeWorker: () => wakes++, lifecycle: LIFECYCLE });
    const a = await requestIn('pending', 'anna@example.com');
    const b = await requestIn('denied', 'bert@example.org');
    const ids = async (filter: 'all' | 'expired', q?: string, sort?: ListSort) =>
      (await admin.list(filter, 50, undefined, { q, sort })).items.map((request) => request.id);
    expect(await ids('all', 'EXAMPLE.ORG')).toEqual([b.id]);
    expect(await ids('all', 'gpt-4')).toEqual([b.id, a.id]);
    expect(await ids('all', a.id.slice(0, 8))).toEqual([a.id]);
    expect(await ids('all', undefined, 'created_at')).toEqual([a.id, b.id]);
    expect(await ids('all', undefined, '-updated_at')).toEqual([b.id, a.id]);
    await mustUpdate(store, a, { reason: 'touched last' });
    expect(await ids('all', undefined, '-updated_at')).toEqual([a.id, b.id]);
    expect(await ids('all', undefined, 'updated_at')).toEqual([b.id, a.id]);
    expect(await ids('expired')).toEqual([]);
  });
});

const HOUR_MS = 3_600_000;
