import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustUpdate } from '../../test/support/must-update.js';
import { recordingLogger } from '../../test/support/recording-logger.js';
import { createApprovalChain } from '../approval/plugin-registry.js';
import { AppError } from '../shared/errors.js';
import type { RequestStore } from '../store/request-store.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { createSubmissionDecider } from './decision.js';
import { epochHour } from './duties.js';
import type { LifecyclePolicy } from './lifecycle.js';
import { createRequestService, type RequestServiceDeps } from './request-service.js';
import type { KeyRequest } from './request-types.js';
import { createRequesterTokens } from './requester-token.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2025-06-01T10:00:00.000Z');
const LIFECYCLE: LifecyclePolicy = { remindBeforeMs: 7 * DAY, denyCooldownMs: DAY };

let store: RequestStore;
let clock: number;
let wakes: number;

beforeEach(() => {
  clock = START;
  wakes = 0;
  store = createSqliteStore({ path: ':memory:', now: () => new Date(clock) });
});
afterEach(async () => {
  await store.close();
});

function service(overrides: Partial<RequestServiceDeps> = {}) {
  return createRequestService({
    store,
    catalog: { isRequestable: async (model) => model === 'gpt-4o' },
    tokens: createRequesterTokens({ store, publicUrl: 'https://keys.example.com' }),
    lifecycle: LIFECYCLE,
    email: { ignorePlusTags: true },
    wakeWorker: () => wakes++,
    now: () => clock,
    ...overrides,
  });
}

async function failureOf(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AppError)) {
    throw new Error(`expected an AppError, got ${String(error)}`);
  }
  return error;
}

async function created(email = 'Jane+LLM@Example.com', language?: string) {
  const result = await service().submit({ email, llm: 'gpt-4o', language });
  if (!result.created) {
    throw new Error('expected a new request');
  }
  return result;
}

async function stored(id: string): Promise<KeyRequest> {
  const request = await store.get(id);
  if (!request) {
    throw new Error('missing');
  }
  return request;
}

describe('submit: a new request decided by local plugins (decision.ts)', () => {
  const chain = createApprovalChain(
    [
      { name: 'review', config: { patterns: ['gpt-4o'] } },
      { name: 'whitelist', config: { list: ['ollama/*'] } },
    ],
    { logger: recordingLogger().logger },
  );
  const requestable = {
    isRequestable: async (model: string) => ['gpt-4o', 'ollama/x', 'other'].includes(model),
  };
  function deciding(reviewNoticeOwed: boolean, decided: string[] = []) {
    return service({
      catalog: requestable,
      decide: createSubmissionDecider(chain, { reviewNoticeOwed }),
      onDecided: (outcome) => decided.push(`${outcome.decision} by ${outcome.plugin}`),
    });
  }

  it('stores an approval with the decision in its history, and wakes the worker to reserve and mint its key', async () => {
    const decided: string[] = [];
    const result = await deciding(false, decided).submitFromPortal({
      email: 'a@example.com',
      llm: 'ollama/x',
    });
    if (!result.created) {
      throw new Error('expected a new request');
    }
    const request = await stored(result.request.id);
    expect(request).toMatchObject({
      state: 'approved',
      handledState: null,
      pendingKey: null,
    });
    expect(request.reason).toMatch(/whitelist pattern "ollama\/\*"/);
    expect(request.history.map((entry) => [entry.actor, entry.action, entry.from, entry.to])).toEqual([
      ['requester', 'created', null, 'pending'],
      ['plugin:whitelist', 'decided', 'pending', 'approved'],
    ]);
    expect(result.request.state).toBe('approved');
    expect(decided).toEqual(['APPROVE by whitelist']);
    expect(wakes).toBe(1);
  });

  it('parks a request in review with its duty done when nobody is to be told, without waking the worker', async () => {
    const result = await deciding(false).submitFromPortal({ email: 'b@example.com', llm: 'gpt-4o' });
    const request = await stored(result.request.id);
    expect(request).toMatchObject({ state: 'in-review', handledState: 'in-review', pendingKey: null });
    expect(wakes).toBe(0);
    // With reviewers to notify, the notice is the worker's duty.
    const noticed = await deciding(true).submitFromPortal({ email: 'c@example.com', llm: 'gpt-4o' });
    expect(await stored(noticed.request.id)).toMatchObject({ state: 'in-review', handledState: null });
    expect(wakes).toBe(1);
  });

  it("leaves a request no local plugin decides pending for the worker (the chain's default is its)", async () => {
    const decided: string[] = [];
    const result = await deciding(false, decided).submitFromPortal({ email: 'd@example.com', llm: 'other' });
    expect(await stored(result.request.id)).toMatchObject({ state: 'pending', handledState: null });
    expect(decided).toEqual([]);
    expect(wakes).toBe(1);
  });

  it('drops the decision for a request that exists already: the repeat changes nothing but its link mail', async () => {
    const first = await service({ catalog: requestable }).submitFromPortal({
      email: 'e@example.com',
      llm: 'gpt-4o',
    });
    const decided: string[] = [];
    const repeat = await deciding(false, decided).submitFromPortal({ email: 'e@example.com', llm: 'gpt-4o' });
    expect(repeat).toMatchObject({ created: false, outcome: 'link-mail' });
    expect(await stored(first.request.id)).toMatchObject({ state: 'pending', reason: null });
    expect(decided).toEqual([]);
  });
});

describe('submit: a new request', () => {
  it('stores the canonical address, keeps the typed one for mails, and hands out its token and page', async () => {
    const result = await created(' Jane+LLM@Example.com ', 'de-AT');
    expect(result.request).toMatchObject({
      email: 'jane@example.com',
      notifyEmail: 'Jane+LLM@Example.com',
      language: 'de',
      state: 'pending',
      cycle: 1,
    });
    expect(result.url).toBe(`https://keys.example.com/requests/${result.request.id}?token=${result.token}`);
    expect(await service().status(result.request.id, result.token)).toHaveProperty('history');
    expect(wakes).toBe(1);
  });

  it('takes an unknown language as none', async () => {
    expect((await created('a@example.com', 'fr')).request.language).toBeNull();
  });

  it('rejects a bad address or an unknown model with a validation error naming the field', async () => {
    const badEmail = await failureOf(service().submit({ email: 'no-at-sign', llm: 'gpt-4o' }));
    expect(badEmail.details[0]?.loc).toEqual(['body', 'email']);
    const badModel = await failureOf(service().submit({ email: 'a@example.com', llm: 'nope' }));
    expect(badModel.details[0]?.loc).toEqual(['body', 'llm']);
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });
});

describe('submit: an existing request', () => {
  it('is the same requester with another +tag or case, and the answer says nothing', async () => {
    const first = await created('jane+a@example.com');
    const again = await service().submit({ email: 'JANE+b@example.com', llm: 'gpt-4o' });
    // `request` is for admin callers only; the public answer is built without it.
    expect(again).toEqual({ created: false, outcome: 'link-mail', request: await stored(first.request.id) });
    expect((await stored(first.request.id)).linkMail).toEqual({ hour: epochHour(clock) });
  });

  it('answers a repeat from a look-up, without trying to create it again', async () => {
    await created();
    let creates = 0;
    const counting: RequestStore = {
      ...store,
      create: (input) => {
        creates++;
        return store.create(input);
      },
    };
    const again = await service({ store: counting }).submit({ email: 'jane@example.com', llm: 'gpt-4o' });
    expect(again).toMatchObject({ created: false });
    expect(creates).toBe(0);
    await service({ store: counting }).submit({ email: 'john@example.com', llm: 'gpt-4o' });
    expect(creates).toBe(1);
  });

  it('keeps +tags apart when ignore_plus_tags is off', async () => {
    await created('jane+a@example.com');
    const other = await service({ email: { ignorePlusTags: false } }).submit({
      email: 'jane+b@example.com',
      llm: 'gpt-4o',
    });
    expect(other.created).toBe(true);
  });

  it('schedules at most one link mail per hour', async () => {
    const { request } = await created();
    const again = async () => {
      const result = await service().submit({ email: 'jane@example.com', llm: 'gpt-4o' });
      expect(result).toMatchObject({ created: false, request: { id: request.id } });
      return result.created ? 'created' : result.outcome;
    };
    expect(await again()).toBe('link-mail');
    expect(await again()).toBe('nothing');
    // The worker sent it in this hour: still nothing until the next hour.
    await mustUpdate(store, await stored(request.id), { linkMail: null, lastLinkMailHour: epochHour(clock) });
    expect(await again()).toBe('nothing');
    clock += HOUR;
    expect(await again()).toBe('link-mail');
    expect((await stored(request.id)).linkMail).toEqual({ hour: epochHour(clock) });
  });

  it('starts a new cycle for an expired request, as the requester, in the language asked', async () => {
    const { request } = await created();
    await mustUpdate(store, request, { state: 'expired', handledState: 'expired' });
    wakes = 0;
    const again = await service().submit({ email: 'jane@example.com', llm: 'gpt-4o', language: 'es' });
    const renewed = await stored(request.id);
    expect(again).toEqual({ created: false, outcome: 'renewed', request: renewed });
    expect(renewed).toMatchObject({
      state: 'pending',
      cycle: 2,
      handledState: null,
      language: 'es',
      linkMail: null,
    });
    expect(renewed.history.at(-1)).toMatchObject({
      action: 'renewal-requested',
      actor: 'requester',
      from: 'expired',
      to: 'pending',
    });
    expect(wakes).toBe(1);
  });

  it('renews a denial only after the cool-down, or at once with a cool-down of 0', async () => {
    const { request } = await created();
    await mustUpdate(store, request, {
      state: 'denied',
      handledState: 'denied',
      append: [{ actor: 'worker', action: 'decided', from: 'pending', to: 'denied', reason: 'no' }],
    });
    expect(await service().submit({ email: 'jane@example.com', llm: 'gpt-4o' })).toMatchObject({
      outcome: 'link-mail',
    });
    expect(
      await service({ lifecycle: { ...LIFECYCLE, denyCooldownMs: 0 } }).submit({
        email: 'jane@example.com',
        llm: 'gpt-4o',
      }),
    ).toMatchObject({ outcome: 'renewed' });
  });
});

describe('submitFromPortal: the same, reading only what the answer needs', () => {
  /** The store, counting the calls that read a whole request. */
  function countingReads() {
    const reads = { get: 0, find: 0 };
    const counting: RequestStore = {
      ...store,
      get: (id) => {
        reads.get++;
        return store.get(id);
      },
      findByEmailAndModel: (email, model) => {
        reads.find++;
        return store.findByEmailAndModel(email, model);
      },
    };
    return { counting, reads };
  }

  it('decides the repeat of a request in review from its brief, and answers only the brief', async () => {
    const { request } = await created();
    await mustUpdate(store, request, { state: 'in-review', handledState: 'in-review' });
    const { counting, reads } = countingReads();
    const portal = service({ store: counting });
    const first = await portal.submitFromPortal({ email: 'jane@example.com', llm: 'gpt-4o' });
    expect(first).toMatchObject({ created: false, outcome: 'link-mail', request: { id: request.id } });
    expect((await stored(request.id)).linkMail).toEqual({ hour: epochHour(clock) });
    const second = await portal.submitFromPortal({ email: 'jane@example.com', llm: 'gpt-4o' });
    expect(second).toEqual({
      created: false,
      outcome: 'nothing',
      request: {
        id: request.id,
        version: (await stored(request.id)).version,
        state: 'in-review',
        linkMail: { hour: epochHour(clock) },
        lastLinkMailHour: null,
      },
    });
    expect(reads).toEqual({ get: 0, find: 0 });
  });

  it('reads the whole request where a renewal may start, and renews it as submit does', async () => {
    const { request } = await created();
    await mustUpdate(store, request, { state: 'expired', handledState: 'expired' });
    const { counting, reads } = countingReads();
    const again = await service({ store: counting }).submitFromPortal({
      email: 'jane@example.com',
      llm: 'gpt-4o',
    });
    expect(again).toEqual({ created: false, outcome: 'renewed', request: await stored(request.id) });
    expect(reads.get).toBe(1);
  });

  it('creates a new request as submit does', async () => {
    const result = await service().submitFromPortal({ email: 'new@example.com', llm: 'gpt-4o' });
    expect(result).toMatchObject({ created: true, request: { email: 'new@example.com', state: 'pending' } });
  });
});

describe('status', () => {
  it('answers only the id and state without the token, or with a wrong one', async () => {
    const { request } = await created();
    const plain = { request_id: request.id, status: 'pending' };
    expect(await service().status(request.id)).toEqual(plain);
    expect(await service().status(request.id, 'x'.repeat(43))).toEqual(plain);
  });

  it("gives the requester's view with the token: no admin names, masked key, what they may do", async () => {
    const { request, token } = await created();
    await mustUpdate(store, request, {
      state: 'approved',
      handledState: 'approved',
      reason: 'Approved by an administrator',
      keyHash: 'f'.repeat(64),
      keyHint: 'wxyz',
      expiresAt: new Date(clock + 3 * DAY).toISOString(),
      append: [{ actor: 'admin:root', action: 'approved', from: 'pending', to: 'approved', reason: null }],
    });
    const view = await service({
      keyUsage: async (hash) =>
        hash === 'f'.repeat(64) ? { spend: 1.5, maxBudget: 50, budgetDuration: '30d' } : null,
    }).status(request.id, token);
    expect(view).toMatchObject({
      request_id: request.id,
      model: 'gpt-4o',
      status: 'approved',
      reason: 'Approved by an administrator',
      expires_at: new Date(clock + 3 * DAY).toISOString(),
      cycle: 1,
      api_key: 'sk-…wxyz',
      spend: 1.5,
      max_budget: 50,
      budget_duration: '30d',
      can_renew: true,
      can_revoke: true,
    });
    expect(JSON.stringify(view)).not.toContain('root');
    expect(JSON.stringify(view)).not.toContain('jane');
    expect('history' in view ? view.history.map((entry) => entry.actor) : []).toEqual(['requester', 'admin']);
  });

  it('answers 404 for an unknown id, token or not', async () => {
    expect((await failureOf(service().status('nope'))).code).toBe('not-found');
  });
});

describe('renew and revokeMine', () => {
  it('answer 404 for a missing or wrong token and change nothing', async () => {
    const { request } = await created();
    const other = await created('someone@example.com');
    for (const token of [undefined, other.token]) {
      expect((await failureOf(service().renew(request.id, token))).code).toBe('not-found');
      expect((await failureOf(service().revokeMine(request.id, token))).code).toBe('not-found');
    }
    expect(await stored(request.id)).toEqual(request);
  });

  it('answer 409 when the state does not allow it', async () => {
    const { request, token } = await created();
    expect((await failureOf(service().renew(request.id, token))).code).toBe('conflict');
    expect((await failureOf(service().revokeMine(request.id, token))).message).toMatch(/holds a live key/);
  });

  it('renew an expired request and revoke a live key, as the requester', async () => {
    const { request, token } = await created();
    await mustUpdate(store, request, { state: 'expired', handledState: 'expired', keyHash: 'h' });
    const renewed = await service().renew(request.id, token);
    expect(renewed).toMatchObject({ status: 'pending', cycle: 2, can_renew: false });
    const current = await stored(request.id);
    await mustUpdate(store, current, {
      state: 'approved',
      handledState: 'approved',
      keyHash: 'h2',
      keyHint: 'abcd',
    });
    const revoked = await service().revokeMine(request.id, token);
    expect(revoked).toMatchObject({
      status: 'revoked',
      reason: 'Revoked by the requester',
      can_revoke: false,
    });
    expect((await stored(request.id)).history.at(-1)).toMatchObject({
      action: 'revoked',
      actor: 'requester',
    });
  });
});
