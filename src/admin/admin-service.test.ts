import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustUpdate } from '../../test/support/must-update.js';
import type { KeyRequest, RequestState } from '../requests/request-types.js';
import { AppError } from '../shared/errors.js';
import type { RequestStore } from '../store/request-store.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { type AdminService, createAdminService } from './admin-service.js';

let store: RequestStore;
let wakes: number;
let admin: AdminService;

beforeEach(() => {
  store = createSqliteStore({ path: ':memory:' });
  wakes = 0;
  admin = createAdminService({ store, wakeWorker: () => wakes++ });
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

const STATES: RequestState[] = ['pending', 'in-review', 'approved', 'denied', 'revoked'];

/** Written out rather than read from requests/transitions.ts, so the test checks the table. */
const EXPECTED = {
  approve: { from: ['pending', 'in-review'], to: 'approved', allowed: 'pending, in-review' },
  deny: { from: ['pending', 'in-review'], to: 'denied', allowed: 'pending, in-review' },
  revoke: { from: ['approved'], to: 'revoked', allowed: 'approved' },
} as const;

describe('admin.decide() transitions', () => {
  for (const [action, rule] of Object.entries(EXPECTED) as [
    keyof typeof EXPECTED,
    (typeof EXPECTED)['approve'],
  ][]) {
    for (const state of STATES) {
      if ((rule.from as readonly string[]).includes(state)) {
        it(`${action} moves a ${state} request to ${rule.to} and wakes the worker`, async () => {
          const request = await requestIn(state);
          const decided = await admin.decide(action, request.id, { reason: 'because', actor: 'root' });
          expect(decided).toMatchObject({ id: request.id, state: rule.to, reason: 'because' });
          expect(await store.get(request.id)).toMatchObject({ state: rule.to, reason: 'because' });
          expect(wakes).toBe(1);
        });
      } else {
        it(`${action} refuses a ${state} request with a conflict naming the allowed states`, async () => {
          const request = await requestIn(state);
          const error = await failureOf(
            admin.decide(action, request.id, { reason: 'because', actor: 'root' }),
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
  it.each([undefined, null, '', '   \n'])('records who approved when the reason is %j', async (reason) => {
    const request = await requestIn('in-review');
    const decided = await admin.decide('approve', request.id, { reason, actor: 'alice (CLI)' });
    expect(decided.reason).toBe('Approved by alice (CLI)');
  });

  it('trims the reason it records', async () => {
    const request = await requestIn('pending');
    expect(
      (await admin.decide('deny', request.id, { reason: '  Use the small model \n', actor: 'root' })).reason,
    ).toBe('Use the small model');
  });

  it.each([
    ['deny', 'pending'],
    ['revoke', 'approved'],
  ] as const)('requires a reason to %s, changing nothing', async (action, state) => {
    const request = await requestIn(state);
    for (const reason of [undefined, null, '', '  \t ']) {
      const error = await failureOf(admin.decide(action, request.id, { reason, actor: 'root' }));
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
      admin.decide('deny', request.id, { reason: 'x'.repeat(1001), actor: 'root' }),
    );
    expect(error.code).toBe('validation');
    expect(error.message).toContain('at most 1000 characters');
    const decided = await admin.decide('deny', request.id, {
      reason: ` ${'x'.repeat(1000)} `,
      actor: 'root',
    });
    expect(decided.reason).toHaveLength(1000);
  });

  it('checks the reason before looking the request up', async () => {
    const error = await failureOf(admin.decide('deny', 'no-such-request', { actor: 'root' }));
    expect(error.code).toBe('validation');
  });
});

describe('admin.decide() under concurrent changes', () => {
  /** The real store, with `before` run by "another process" just ahead of each admin update. */
  function racing(before: (current: KeyRequest) => Promise<unknown>): Pick<
    RequestStore,
    'get' | 'list' | 'update'
  > & {
    updates: number;
  } {
    const wrapped = {
      updates: 0,
      get: (id: string) => store.get(id),
      list: store.list.bind(store),
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
    const decided = await createAdminService({ store: raced, wakeWorker: () => wakes++ }).decide(
      'approve',
      request.id,
      { actor: 'root' },
    );
    expect(raced.updates).toBe(2);
    expect(decided).toMatchObject({ state: 'approved', reason: 'Approved by root' });
    // The concurrent change is kept, not overwritten.
    expect(decided.work.attempts).toBe(3);
    expect(wakes).toBe(1);
  });

  it('answers a conflict when a concurrent decision made the action impossible', async () => {
    const request = await requestIn('in-review');
    const raced = racing(async (current) => {
      if (current.state === 'in-review') {
        await mustUpdate(store, current, { state: 'denied', reason: 'another admin said no' });
      }
    });
    const error = await failureOf(
      createAdminService({ store: raced, wakeWorker: () => wakes++ }).decide('approve', request.id, {
        actor: 'root',
      }),
    );
    expect(error.code).toBe('conflict');
    expect(error.message).toBe('Cannot approve a request that is denied; allowed from: pending, in-review');
    expect(await store.get(request.id)).toMatchObject({ state: 'denied', reason: 'another admin said no' });
    expect(wakes).toBe(0);
  });

  it('gives up with a retryable conflict when the request keeps changing', async () => {
    const request = await requestIn('pending');
    const raced = racing((current) =>
      mustUpdate(store, current, { work: { attempts: current.work.attempts + 1 } }),
    );
    const error = await failureOf(
      createAdminService({ store: raced, wakeWorker: () => wakes++ }).decide('deny', request.id, {
        reason: 'no',
        actor: 'root',
      }),
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
      admin.decide('approve', 'no-such-request', { actor: 'root' }),
      admin.get('no-such-request'),
    ]) {
      const error = await failureOf(decision);
      expect(error.code).toBe('not-found');
      expect(error.message).toContain('"no-such-request"');
    }
    expect(wakes).toBe(0);
  });
});
