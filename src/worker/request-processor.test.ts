import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustUpdate } from '../../test/support/must-update.js';
import { recordingLogger } from '../../test/support/recording-logger.js';
import type { ChainOutcome } from '../approval/approval-types.js';
import type { EnsuredKey, GenerateKeyRequest } from '../litellm/litellm-types.js';
import type { MailMessage } from '../mail/mailer.js';
import type { KeyRequest } from '../requests/request-types.js';
import { AppError } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';
import type { RequestStore } from '../store/request-store.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { MAX_BACKOFF_MS } from './backoff.js';
import { createRequestProcessor, type ProcessorDeps } from './request-processor.js';

// The processor's own logic runs against the real SQLite store; only its ports to the
// outside (approval chain, LiteLLM, mail) are scripted here.

const OWNER = 'worker-under-test';
const CLAIM_MS = 60_000;

let store: RequestStore;
let log: ReturnType<typeof recordingLogger>;
/** The processor's clock: fixed, so retry times can be asserted exactly. */
let clock: number;
let minted: GenerateKeyRequest[];
let deleted: string[][];
let mailed: MailMessage[];

beforeEach(() => {
  store = createSqliteStore({ path: ':memory:' });
  log = recordingLogger();
  clock = Date.now();
  minted = [];
  deleted = [];
  mailed = [];
});

afterEach(async () => {
  await store.close();
});

interface Ports {
  decide?: () => Promise<ChainOutcome>;
  mint?: () => Result<EnsuredKey>;
  send?: (message: MailMessage) => Result<void>;
  store?: ProcessorDeps['store'];
}

function processor(ports: Ports = {}) {
  return createRequestProcessor({
    owner: OWNER,
    store: ports.store ?? store,
    chain: {
      evaluate:
        ports.decide ?? (async () => ({ decision: 'APPROVE', reason: 'Approved', plugin: 'whitelist' })),
    },
    litellm: {
      async ensureKey(request) {
        minted.push(request);
        return ports.mint ? ports.mint() : ok({ outcome: 'minted', keyHash: 'a'.repeat(64), expires: null });
      },
      async deleteKeys(keys) {
        deleted.push(keys);
        return ok(undefined);
      },
    },
    mailer: {
      async send(message) {
        mailed.push(message);
        return ports.send ? ports.send(message) : ok(undefined);
      },
      async close() {},
    },
    newKeyValue: () => `sk-reserved-${minted.length}`,
    keySettingsFor: () => ({}),
    gatewayUrl: 'https://llm.example.com',
    adminNotify: [],
    claimTimeoutMs: CLAIM_MS,
    logger: log.logger,
    observer: { decision() {}, mint() {}, mail() {} },
    now: () => clock,
  });
}

/** A new request, claimed by this worker the way the worker loop claims it. */
async function claimed(email = 'alice@example.com'): Promise<KeyRequest> {
  const { request } = await store.create({ email, model: 'gpt-4o' });
  const [lease] = await store.claimDue({
    policy: { remindBeforeMs: 0 },
    owner: OWNER,
    now: clock,
    leaseMs: CLAIM_MS,
    limit: 10,
  });
  expect(lease?.id).toBe(request.id);
  return lease as KeyRequest;
}

async function stored(id: string): Promise<KeyRequest> {
  const request = await store.get(id);
  if (!request) {
    throw new Error(`request ${id} is gone`);
  }
  return request;
}

describe('request processor: conflicting writes', () => {
  it('retries a write that lost to an unrelated edit on the fresh version', async () => {
    const request = await claimed();
    const writes: boolean[] = [];
    // The real store, watched: each conditional write's outcome is recorded.
    const watched: ProcessorDeps['store'] = {
      get: (id) => store.get(id),
      async update(id, version, patch) {
        const result = await store.update(id, version, patch);
        writes.push(result.ok);
        return result;
      },
    };
    const process = processor({
      store: watched,
      // While the chain runs, an operator edits the request (a kubectl annotate): same state,
      // new version, so the decision's write conflicts.
      decide: async () => {
        await mustUpdate(store, await stored(request.id), { reason: 'noted by an operator' });
        return { decision: 'DENY', reason: 'Denied by the blacklist plugin', plugin: 'blacklist' };
      },
    });

    const outcome = await process(request);

    expect(outcome).toEqual({ status: 'done' });
    expect(writes.slice(0, 2)).toEqual([false, true]);
    const after = await stored(request.id);
    expect(after).toMatchObject({
      state: 'denied',
      handledState: 'denied',
      reason: 'Denied by the blacklist plugin',
    });
    expect(after.work.owner).toBeNull();
    expect(mailed.map((message) => message.subject)).toEqual(['API Key Request Denied for gpt-4o']);
  });
});

describe('request processor: lost lease', () => {
  it('ends as lost, writing nothing, when another worker took the request over', async () => {
    const request = await claimed();
    const process = processor({
      // While the chain runs, the lease passes to another worker (ours looked expired to it).
      decide: async () => {
        await mustUpdate(store, await stored(request.id), {
          work: { owner: 'other-worker', leaseUntil: clock + CLAIM_MS },
        });
        return { decision: 'APPROVE', reason: 'Approved', plugin: 'whitelist' };
      },
    });

    const outcome = await process(request);

    expect(outcome).toEqual({ status: 'lost' });
    const after = await stored(request.id);
    expect(after.state).toBe('pending');
    expect(after.work.owner).toBe('other-worker');
    expect(minted).toEqual([]);
    expect(mailed).toEqual([]);
    expect(log.entries.map((entry) => entry.message)).toContain('request taken over by another worker');
  });
});

describe('request processor: releasing the lease', () => {
  it('carries on with the new state when the release reveals an admin change', async () => {
    const request = await claimed();
    // The request's duties are done but the lease is still ours: the processor's last write
    // would release it.
    const handled = await mustUpdate(store, request, {
      state: 'approved',
      apiKey: 'sk-live-key-0001',
      handledState: 'approved',
    });
    // Meanwhile an admin revokes the key.
    await mustUpdate(store, handled, { state: 'revoked', reason: 'Revoked by an admin' });

    const outcome = await processor()(handled);

    expect(outcome).toEqual({ status: 'done' });
    expect(deleted).toEqual([['sk-live-key-0001']]);
    expect(mailed.map((message) => message.messageId)).toEqual([
      `<${request.id}.revocation.c1@llm-key-requestor>`,
    ]);
    const after = await stored(request.id);
    expect(after).toMatchObject({ state: 'revoked', handledState: 'revoked' });
    expect(after.work.owner).toBeNull();
  });

  it('just releases when nothing changed meanwhile', async () => {
    const request = await claimed();
    const handled = await mustUpdate(store, request, { state: 'denied', handledState: 'denied' });

    const outcome = await processor()(handled);

    expect(outcome).toEqual({ status: 'done' });
    expect(mailed).toEqual([]);
    expect((await stored(request.id)).work.owner).toBeNull();
  });
});

describe('request processor: failures', () => {
  const badMasterKey = () =>
    fail(new AppError('rejected', 'POST /key/generate answered 401: invalid master key', { status: 401 }));

  it('waits the longest backoff after a failure an operator has to fix, and says so at error level', async () => {
    const request = await claimed();

    const outcome = await processor({ mint: badMasterKey })(request);

    expect(outcome).toEqual({ status: 'retry', retryAt: clock + MAX_BACKOFF_MS });
    const after = await stored(request.id);
    expect(after.state).toBe('approved');
    expect(after.apiKey).toBeNull();
    expect(after.work).toEqual({
      owner: null,
      leaseUntil: null,
      attempts: 1,
      nextAttemptAt: clock + MAX_BACKOFF_MS,
      lastError: 'key not minted: POST /key/generate answered 401: invalid master key',
    });
    const errors = log.entries.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({
      request_id: request.id,
      code: 'rejected',
      retry_in_ms: MAX_BACKOFF_MS,
    });
    expect(log.entries.filter((entry) => entry.level === 'warn')).toEqual([]);
  });

  it('is not claimed again before that wait, and picks up the fix after it', async () => {
    const request = await claimed();
    await processor({ mint: badMasterKey })(request);
    const reserved = (await stored(request.id)).pendingKey;

    expect(
      await store.claimDue({
        policy: { remindBeforeMs: 0 },
        owner: OWNER,
        now: clock + MAX_BACKOFF_MS - 1,
        leaseMs: CLAIM_MS,
        limit: 10,
      }),
    ).toEqual([]);
    clock += MAX_BACKOFF_MS;
    const [again] = await store.claimDue({
      policy: { remindBeforeMs: 0 },
      owner: OWNER,
      now: clock,
      leaseMs: CLAIM_MS,
      limit: 10,
    });
    const outcome = await processor()(again as KeyRequest);

    expect(outcome).toEqual({ status: 'done' });
    const after = await stored(request.id);
    expect(after).toMatchObject({ state: 'approved', handledState: 'approved', apiKey: reserved });
    expect(after.work).toMatchObject({ attempts: 0, lastError: null });
    expect(minted.map((call) => call.key)).toEqual([reserved, reserved]);
  });

  it('retries a failure that may pass by itself on the fast schedule, with a warning', async () => {
    const request = await claimed();

    const outcome = await processor({
      mint: () => fail(new AppError('unreachable', 'POST /key/generate: connection refused (ECONNREFUSED)')),
    })(request);

    // backoffMs(1): one second, ±20 % jitter.
    expect(outcome.status).toBe('retry');
    const retryAt = outcome.status === 'retry' ? outcome.retryAt : 0;
    expect(retryAt - clock).toBeGreaterThanOrEqual(800);
    expect(retryAt - clock).toBeLessThanOrEqual(1200);
    expect((await stored(request.id)).work).toMatchObject({ attempts: 1, nextAttemptAt: retryAt });
    expect(log.entries.filter((entry) => entry.level === 'warn')).toHaveLength(1);
    expect(log.entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('treats a mail refused for good like any other failure an operator has to fix', async () => {
    const request = await claimed();
    const process = processor({
      decide: async () => ({
        decision: 'DENY',
        reason: 'Denied by the blacklist plugin',
        plugin: 'blacklist',
      }),
      send: () =>
        fail(new AppError('rejected', 'SMTP EENVELOPE 550 (RCPT TO): no such user', { retry: false })),
    });

    const outcome = await process(request);

    expect(outcome).toEqual({ status: 'retry', retryAt: clock + MAX_BACKOFF_MS });
    const after = await stored(request.id);
    expect(after).toMatchObject({ state: 'denied', handledState: null });
    expect(after.work.lastError).toBe('denial mail not sent: SMTP EENVELOPE 550 (RCPT TO): no such user');
  });
});

describe('request processor: a PENDING answer', () => {
  it('leaves the request pending and asks the chain again after the backoff', async () => {
    const request = await claimed();
    let answer: ChainOutcome = {
      decision: 'PENDING',
      reason: 'Waiting for the cost-centre owner',
      plugin: 'http',
    };
    const process = processor({ decide: async () => answer });

    const first = await process(request);

    expect(first.status).toBe('retry');
    const waiting = await stored(request.id);
    expect(waiting).toMatchObject({ state: 'pending', reason: null, handledState: null });
    expect(waiting.work).toMatchObject({ owner: null, attempts: 1 });
    expect(waiting.work.lastError).toBe('approval pending: Waiting for the cost-centre owner');
    expect(waiting.work.nextAttemptAt).toBeGreaterThan(clock);
    expect(mailed).toEqual([]);

    // The next pass, once the retry is due: the endpoint has decided now.
    clock = waiting.work.nextAttemptAt;
    answer = { decision: 'APPROVE', reason: 'Approved by the approval service', plugin: 'http' };
    const [again] = await store.claimDue({
      owner: OWNER,
      now: clock,
      leaseMs: CLAIM_MS,
      limit: 10,
      policy: { remindBeforeMs: 0 },
    });
    expect(again?.id).toBe(request.id);
    expect(await process(again as KeyRequest)).toEqual({ status: 'done' });
    expect(await stored(request.id)).toMatchObject({ state: 'approved', handledState: 'approved' });
  });
});
