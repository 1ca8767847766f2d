import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustUpdate } from '../../test/support/must-update.js';
import { CLAIM_MS, type Ports, type ProcessorKit, processorKit } from '../../test/support/processor-kit.js';
import { waitUntil } from '../../test/support/wait.js';
import { AppError } from '../shared/errors.js';
import { fail, ok } from '../shared/result.js';
import type { RequestPatch } from '../store/request-store.js';
import { MAX_BACKOFF_MS } from './backoff.js';
import type { ProcessorDeps } from './request-processor.js';
import { MAIL_TRIES } from './request-processor.js';

// The processor's own logic runs against the real SQLite store; only its ports to the
// outside (approval chain, LiteLLM, mail) are scripted here (test/support/processor-kit.ts).

let k: ProcessorKit;

beforeEach(() => {
  k = processorKit();
});

afterEach(async () => {
  await k.close();
});

describe('request processor: conflicting writes', () => {
  it('retries a write that lost to an unrelated edit on the fresh version', async () => {
    const request = await k.claimed();
    const writes: boolean[] = [];
    // The real k.store, watched: each conditional write's outcome is recorded.
    const watched: ProcessorDeps['store'] = {
      get: (id) => k.store.get(id),
      async update(id, version, patch) {
        const result = await k.store.update(id, version, patch);
        writes.push(result.ok);
        return result;
      },
    };
    const process = k.processor({
      store: watched,
      // While the chain runs, an operator edits the request (a kubectl annotate): same state,
      // new version, so the decision's write conflicts.
      decide: async () => {
        await mustUpdate(k.store, await k.stored(request.id), { reason: 'noted by an operator' });
        return { decision: 'DENY', reason: 'Denied by the blacklist plugin', plugin: 'blacklist' };
      },
    });

    const outcome = await process(request);

    expect(outcome).toEqual({ status: 'done' });
    expect(writes.slice(0, 2)).toEqual([false, true]);
    const after = await k.stored(request.id);
    expect(after).toMatchObject({
      state: 'denied',
      handledState: 'denied',
      reason: 'Denied by the blacklist plugin',
    });
    expect(after.work.owner).toBeNull();
    expect(k.mailed.map((message) => message.subject)).toEqual(['API Key Request Denied for gpt-4o']);
  });
});

describe('request processor: lost lease', () => {
  it('ends as lost, writing nothing, when another worker took the request over', async () => {
    const request = await k.claimed();
    const process = k.processor({
      // While the chain runs, the lease passes to another worker (ours looked expired to it).
      decide: async () => {
        await mustUpdate(k.store, await k.stored(request.id), {
          work: { owner: 'other-worker', leaseUntil: k.clock + CLAIM_MS },
        });
        return { decision: 'APPROVE', reason: 'Approved', plugin: 'whitelist' };
      },
    });

    const outcome = await process(request);

    expect(outcome).toEqual({ status: 'lost' });
    const after = await k.stored(request.id);
    expect(after.state).toBe('pending');
    expect(after.work.owner).toBe('other-worker');
    expect(k.minted).toEqual([]);
    expect(k.mailed).toEqual([]);
    expect(k.log.entries.map((entry) => entry.message)).toContain('request taken over by another worker');
  });
});

describe('request processor: a mail on its way holds the lease', () => {
  it('renews the lease while the mail server has not answered, and records the mail once', async () => {
    const request = await k.claimed();
    const claimMs = 300;
    const leases: number[] = [];
    const process = k.processor({
      claimTimeoutMs: claimMs,
      decide: async () => ({
        decision: 'DENY',
        reason: 'Denied by the blacklist plugin',
        plugin: 'blacklist',
      }),
      // A mail server that takes its time: more than a whole lease of the processor's clock.
      send: async () => {
        for (let i = 0; i < 3; i++) {
          k.clock += claimMs / 2;
          const expected = k.clock + claimMs;
          // Each third of the (real-time) claim timeout, the lease moves on from the clock.
          await waitUntil(async () => (await k.stored(request.id)).work.leaseUntil === expected, {
            timeoutMs: 5_000,
            what: `the lease renewed to ${expected}`,
          });
          leases.push(expected);
        }
        return ok(undefined);
      },
    });

    expect(await process(request)).toEqual({ status: 'done' });

    expect(leases).toHaveLength(3);
    const after = await k.stored(request.id);
    expect(after).toMatchObject({ state: 'denied', handledState: 'denied' });
    expect(after.work.owner).toBeNull();
    expect(after.history.filter((entry) => entry.action === 'mail-delivered')).toHaveLength(1);
    expect(k.mailed).toHaveLength(1);
  });

  it('writes nothing for a send that ends before the first renewal', async () => {
    const request = await k.claimed();
    const versions: string[] = [];
    const watched: ProcessorDeps['store'] = {
      get: (id) => k.store.get(id),
      async update(id, version, patch) {
        versions.push(version);
        return k.store.update(id, version, patch);
      },
    };
    const process = k.processor({
      store: watched,
      decide: async () => ({
        decision: 'DENY',
        reason: 'Denied by the blacklist plugin',
        plugin: 'blacklist',
      }),
    });

    expect(await process(request)).toEqual({ status: 'done' });

    // The decision, then the mail's record with the release: no lease write in between.
    expect(versions).toHaveLength(2);
  });
});

describe('request processor: releasing the lease', () => {
  it('carries on with the new state when the release reveals an admin change', async () => {
    const request = await k.claimed();
    // The request's duties are done but the lease is still ours: the k.processor's last write
    // would release it.
    const handled = await mustUpdate(k.store, request, {
      state: 'approved',
      apiKey: 'sk-live-key-0001',
      handledState: 'approved',
    });
    // Meanwhile an admin revokes the key.
    await mustUpdate(k.store, handled, { state: 'revoked', reason: 'Revoked by an admin' });

    const outcome = await k.processor()(handled);

    expect(outcome).toEqual({ status: 'done' });
    expect(k.deleted).toEqual([['sk-live-key-0001']]);
    expect(k.mailed.map((message) => message.messageId)).toEqual([
      `<${request.id}.revocation.c1@llm-key-requestor>`,
    ]);
    const after = await k.stored(request.id);
    expect(after).toMatchObject({ state: 'revoked', handledState: 'revoked' });
    expect(after.work.owner).toBeNull();
  });

  it('just releases when nothing changed meanwhile', async () => {
    const request = await k.claimed();
    const handled = await mustUpdate(k.store, request, { state: 'denied', handledState: 'denied' });

    const outcome = await k.processor()(handled);

    expect(outcome).toEqual({ status: 'done' });
    expect(k.mailed).toEqual([]);
    expect((await k.stored(request.id)).work.owner).toBeNull();
  });
});

describe('request processor: reserving the key', () => {
  it('reserves the key value in the approval write and mints it without looking for an earlier attempt', async () => {
    const request = await k.claimed();
    const patches: RequestPatch[] = [];
    const watched: ProcessorDeps['store'] = {
      get: (id) => k.store.get(id),
      update(id, version, patch) {
        patches.push(patch);
        return k.store.update(id, version, patch);
      },
    };

    expect(await k.processor({ store: watched })(request)).toEqual({ status: 'done' });

    // decide + reserve, then the minted key with its delivered mail: two writes.
    expect(patches).toHaveLength(2);
    expect(patches[0]).toMatchObject({ state: 'approved', pendingKey: 'sk-reserved-0' });
    // The plain key goes from the reservation straight to the mail: never stored as `apiKey`.
    expect(patches[1]).toMatchObject({ pendingKey: null, apiKey: null, handledState: 'approved' });
    expect(k.minted.map((call) => call.key)).toEqual(['sk-reserved-0']);
    expect(k.mintedNeverSent).toEqual([true]);
    expect(k.mailed.map((message) => message.text.includes('sk-reserved-0'))).toEqual([true]);
    const after = await k.stored(request.id);
    expect(after.history.map((entry) => entry.action)).toEqual([
      'created',
      'decided',
      'key-minted',
      'mail-delivered',
    ]);
    expect(after).toMatchObject({
      apiKey: null,
      pendingKey: null,
      keyHint: 'ed-0',
      handledState: 'approved',
    });
    expect(after.work.owner).toBeNull();
  });

  it('renews the lease before the mail when the mint took most of it', async () => {
    const request = await k.claimed();
    const leases: (number | null | undefined)[] = [];
    const process = k.processor({
      mint: () => {
        k.clock += CLAIM_MS * 0.75;
        return ok({ outcome: 'minted', keyHash: 'a'.repeat(64), expires: null });
      },
      send: async () => {
        leases.push((await k.stored(request.id)).work.leaseUntil);
        return ok(undefined);
      },
    });

    expect(await process(request)).toEqual({ status: 'done' });

    // While the mail was on its way, the lease ran a whole claim timeout from after the mint.
    expect(leases).toEqual([k.clock + CLAIM_MS]);
    const after = await k.stored(request.id);
    expect(after.history.map((entry) => entry.action).slice(-2)).toEqual(['key-minted', 'mail-delivered']);
  });

  it('records the minted key on its own when its mail fails, and the retry only mails it', async () => {
    const request = await k.claimed();
    const down = () => fail(new AppError('unreachable', 'SMTP ECONNECTION: connection refused'));

    const outcome = await k.processor({ send: down })(request);

    expect(outcome.status).toBe('retry');
    const recorded = await k.stored(request.id);
    expect(recorded.history.map((entry) => entry.action)).toEqual(['created', 'decided', 'key-minted']);
    expect(recorded).toMatchObject({ apiKey: 'sk-reserved-0', pendingKey: null, handledState: null });
    expect(recorded.work).toMatchObject({
      owner: null,
      attempts: 1,
      lastError: expect.stringContaining('approval mail not sent'),
    });
    // backoffMs(1): one second, ±20 % jitter.
    expect(recorded.work.nextAttemptAt - k.clock).toBeLessThanOrEqual(1200);

    k.clock = recorded.work.nextAttemptAt;
    expect(await k.processor()(await k.claimedAgain())).toEqual({ status: 'done' });

    expect(k.minted.map((call) => call.key)).toEqual(['sk-reserved-0']);
    // The failed try and the delivered one, both with the key.
    expect(k.mailed.map((message) => message.text.includes('sk-reserved-0'))).toEqual([true, true]);
    const after = await k.stored(request.id);
    expect(after.history.map((entry) => entry.action).slice(-2)).toEqual(['key-minted', 'mail-delivered']);
    expect(after).toMatchObject({ apiKey: null, handledState: 'approved' });
  });

  it('counts the tries of a mail refused for good from the key it carries, not from the failed mints before', async () => {
    let request = await k.claimed();
    const down = () =>
      fail(new AppError('unreachable', 'POST /key/generate: connection refused (ECONNREFUSED)'));
    for (let attempt = 1; attempt < MAIL_TRIES; attempt++) {
      expect((await k.processor({ mint: down })(request)).status).toBe('retry');
      k.clock = (await k.stored(request.id)).work.nextAttemptAt;
      request = await k.claimedAgain();
    }
    expect(request.work.attempts).toBe(MAIL_TRIES - 1);
    const refused = () =>
      fail(new AppError('rejected', 'SMTP EENVELOPE 550 (RCPT TO): no such user', { retry: false }));

    expect((await k.processor({ send: refused })(request)).status).toBe('retry');

    const after = await k.stored(request.id);
    expect(after).toMatchObject({ notificationFailure: null, handledState: null, apiKey: 'sk-reserved-0' });
    expect(after.work.attempts).toBe(1);
    expect(after.work.nextAttemptAt - k.clock).toBeLessThanOrEqual(1200);
  });

  it('looks for the key of an earlier attempt when a later run mints the value reserved before', async () => {
    const request = await k.claimed();
    const lost = () => fail(new AppError('timeout', 'POST /key/generate: no answer within 10000 ms'));
    expect((await k.processor({ mint: lost })(request)).status).toBe('retry');
    k.clock = (await k.stored(request.id)).work.nextAttemptAt;

    expect(await k.processor()(await k.claimedAgain())).toEqual({ status: 'done' });

    expect(k.minted.map((call) => call.key)).toEqual(['sk-reserved-0', 'sk-reserved-0']);
    expect(k.mintedNeverSent).toEqual([true, false]);
  });

  it('reserves nothing with the approval of a request that still holds a key: that one is extended', async () => {
    const request = await k.claimed();
    const renewal = await mustUpdate(k.store, request, { keyHash: 'b'.repeat(64), keyHint: 'abcd' });

    const outcome = await k.processor({ extend: () => ok({ keyHash: 'b'.repeat(64), expires: null }) })(
      renewal,
    );

    expect(outcome).toEqual({ status: 'done' });
    expect(k.extended).toEqual([['b'.repeat(64), '-1']]);
    expect(k.minted).toEqual([]);
    expect(await k.stored(request.id)).toMatchObject({ pendingKey: null, keyHash: 'b'.repeat(64) });
  });
});

describe('request processor: failures', () => {
  const badMasterKey = () =>
    fail(new AppError('rejected', 'POST /key/generate answered 401: invalid master key', { status: 401 }));

  it('waits the longest backoff after a failure an operator has to fix, and says so at error level', async () => {
    const request = await k.claimed();

    const outcome = await k.processor({ mint: badMasterKey })(request);

    expect(outcome).toEqual({ status: 'retry', retryAt: k.clock + MAX_BACKOFF_MS });
    const after = await k.stored(request.id);
    expect(after.state).toBe('approved');
    expect(after.apiKey).toBeNull();
    expect(after.work).toEqual({
      owner: null,
      leaseUntil: null,
      attempts: 1,
      nextAttemptAt: k.clock + MAX_BACKOFF_MS,
      lastError: 'key not minted: POST /key/generate answered 401: invalid master key',
    });
    const errors = k.log.entries.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({
      request_id: request.id,
      code: 'rejected',
      retry_in_ms: MAX_BACKOFF_MS,
    });
    expect(k.log.entries.filter((entry) => entry.level === 'warn')).toEqual([]);
  });

  it('is not claimed again before that wait, and picks up the fix after it', async () => {
    const request = await k.claimed();
    await k.processor({ mint: badMasterKey })(request);
    const reserved = (await k.stored(request.id)).pendingKey;

    expect(await k.claimAll(k.clock + MAX_BACKOFF_MS - 1)).toEqual([]);
    k.clock += MAX_BACKOFF_MS;
    const again = await k.claimedAgain();
    const outcome = await k.processor()(again);

    expect(outcome).toEqual({ status: 'done' });
    const after = await k.stored(request.id);
    // Mailed, then only the hash and the last four characters are kept.
    expect(after).toMatchObject({
      state: 'approved',
      handledState: 'approved',
      apiKey: null,
      keyHash: 'a'.repeat(64),
      keyHint: reserved?.slice(-4),
    });
    expect(k.mailed.map((message) => message.text.includes(reserved ?? 'no key'))).toEqual([true]);
    expect(after.work).toMatchObject({ attempts: 0, lastError: null });
    expect(k.minted.map((call) => call.key)).toEqual([reserved, reserved]);
  });

  it('retries a failure that may pass by itself on the fast schedule, with a warning', async () => {
    const request = await k.claimed();

    const outcome = await k.processor({
      mint: () => fail(new AppError('unreachable', 'POST /key/generate: connection refused (ECONNREFUSED)')),
    })(request);

    // backoffMs(1): one second, ±20 % jitter.
    expect(outcome.status).toBe('retry');
    const retryAt = outcome.status === 'retry' ? outcome.retryAt : 0;
    expect(retryAt - k.clock).toBeGreaterThanOrEqual(800);
    expect(retryAt - k.clock).toBeLessThanOrEqual(1200);
    expect((await k.stored(request.id)).work).toMatchObject({ attempts: 1, nextAttemptAt: retryAt });
    expect(k.log.entries.filter((entry) => entry.level === 'warn')).toHaveLength(1);
    expect(k.log.entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('tries a mail refused for good on the backoff schedule a bounded number of times, then gives it up', async () => {
    let request = await k.claimed();
    const process = k.processor({
      decide: async () => ({
        decision: 'DENY',
        reason: 'Denied by the blacklist plugin',
        plugin: 'blacklist',
      }),
      send: () =>
        fail(new AppError('rejected', 'SMTP EENVELOPE 550 (RCPT TO): no such user', { retry: false })),
    });

    for (let attempt = 1; attempt < MAIL_TRIES; attempt++) {
      const outcome = await process(request);
      expect(outcome.status).toBe('retry');
      const retryAt = outcome.status === 'retry' ? outcome.retryAt : 0;
      // backoffMs(attempt), ±20 % jitter: not the longest wait of a failure only an operator can fix.
      expect(retryAt - k.clock).toBeLessThanOrEqual(1.2 * 1000 * 2 ** (attempt - 1));
      const waiting = await k.stored(request.id);
      expect(waiting).toMatchObject({ state: 'denied', handledState: null, notificationFailure: null });
      expect(waiting.work).toMatchObject({
        attempts: attempt,
        lastError: 'denial mail not sent: SMTP EENVELOPE 550 (RCPT TO): no such user',
      });
      k.clock = retryAt;
      request = await k.claimedAgain();
    }
    const outcome = await process(request);

    expect(outcome).toEqual({ status: 'done' });
    expect(k.mailed).toHaveLength(MAIL_TRIES);
    expect(k.givenUp).toEqual(['denial']);
    const after = await k.stored(request.id);
    expect(after).toMatchObject({
      state: 'denied',
      handledState: 'denied',
      notificationFailure: {
        kind: 'denial',
        error: 'denial mail not sent: SMTP EENVELOPE 550 (RCPT TO): no such user',
        at: new Date(k.clock).toISOString(),
      },
    });
    expect(after.work).toMatchObject({ owner: null, attempts: 0, lastError: null });
    expect(after.history.at(-1)).toMatchObject({
      actor: 'worker',
      action: 'mail-failed',
      reason: `denial mail refused ${MAIL_TRIES} times`,
    });
    // Done: nothing is due any more until an admin re-sends it.
    expect(await k.claimAll(k.clock + MAX_BACKOFF_MS)).toEqual([]);
  });
});

describe('request processor: a PENDING answer', () => {
  it('leaves the request pending and asks the chain again after the backoff', async () => {
    const request = await k.claimed();
    let answer: Awaited<ReturnType<NonNullable<Ports['decide']>>> = {
      decision: 'PENDING',
      reason: 'Waiting for the cost-centre owner',
      plugin: 'http',
    };
    const process = k.processor({ decide: async () => answer });

    const first = await process(request);

    expect(first.status).toBe('retry');
    const waiting = await k.stored(request.id);
    expect(waiting).toMatchObject({ state: 'pending', reason: null, handledState: null });
    expect(waiting.work).toMatchObject({ owner: null, attempts: 1 });
    expect(waiting.work.lastError).toBe('approval pending: Waiting for the cost-centre owner');
    expect(waiting.work.nextAttemptAt).toBeGreaterThan(k.clock);
    expect(k.mailed).toEqual([]);

    // The next pass, once the retry is due: the endpoint has decided now.
    k.clock = waiting.work.nextAttemptAt;
    answer = { decision: 'APPROVE', reason: 'Approved by the approval service', plugin: 'http' };
    const again = await k.claimedAgain(0);
    expect(again?.id).toBe(request.id);
    expect(await process(again)).toEqual({ status: 'done' });
    expect(await k.stored(request.id)).toMatchObject({ state: 'approved', handledState: 'approved' });
  });
});
