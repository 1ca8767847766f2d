import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustUpdate } from '../../test/support/must-update.js';
import { type Ports, type ProcessorKit, processorKit } from '../../test/support/processor-kit.js';
import { createAdminService } from '../admin/admin-service.js';
import { epochHour } from '../requests/duties.js';
import { ACTORS, historyEntry } from '../requests/history.js';
import type { KeyRequest } from '../requests/request-types.js';
import { planTransition } from '../requests/transitions.js';
import { AppError } from '../shared/errors.js';
import { fail, ok } from '../shared/result.js';
import { MAIL_TRIES } from './request-processor.js';

// The lifecycle duties of docs/design.md ("Worker duties") step by step, on the real SQLite
// store with scripted LiteLLM and mail ports (test/support/processor-kit.ts).

const HASH = 'a'.repeat(64);
const POLICY = { remindBeforeMs: 0, denyCooldownMs: 0 };

let k: ProcessorKit;

beforeEach(() => {
  k = processorKit();
});

afterEach(async () => {
  await k.close();
});

const actions = (request: KeyRequest) => request.history.map((entry) => `${entry.actor} ${entry.action}`);

/** A request approved by the chain, its key minted and mailed (cycle 1), lease released. */
async function issued(ports: Ports = {}, email = 'alice@example.com'): Promise<KeyRequest> {
  const request = await k.claimed(email);
  expect(await k.processor(ports)(request)).toEqual({ status: 'done' });
  return k.stored(request.id);
}

/** Applies a transition as a front would (one conditional write with its history entry). */
async function transition(
  action: Parameters<typeof planTransition>[0],
  request: KeyRequest,
  actor = 'admin:root',
): Promise<KeyRequest> {
  const patch = planTransition(action, request, { actor, reason: null, now: k.clock, policy: POLICY });
  if (!patch.ok) {
    throw patch.error;
  }
  return mustUpdate(k.store, request, patch.value);
}

describe('worker: the approval of a cycle', () => {
  it('mails the key to the address as typed, in its language, with the cycle and the page link, then drops it', async () => {
    const request = await k.claimed('alice@example.com', {
      notifyEmail: 'Alice+LLM@Example.com',
      language: 'de',
    });

    await k.processor()(request);

    const [mail] = k.mailed;
    expect(k.mailed).toHaveLength(1);
    expect(mail?.to).toEqual(['Alice+LLM@Example.com']);
    expect(mail?.subject).toBe('API-Schlüssel für gpt-4o genehmigt');
    expect(mail?.messageId).toBe(`<${request.id}.approval.c1@llm-key-requestor>`);
    expect(mail?.text).toContain(`https://portal.example.com/requests/${request.id}?token=t0k3n`);
    expect(mail?.text).toContain('sk-reserved-0');
    const after = await k.stored(request.id);
    expect(after).toMatchObject({
      state: 'approved',
      handledState: 'approved',
      apiKey: null,
      pendingKey: null,
      keyHash: HASH,
      keyHint: 'ed-0',
    });
    expect(actions(after)).toEqual([
      'requester created',
      'plugin:whitelist decided',
      'worker key-minted',
      'worker mail-delivered',
    ]);
  });

  it('keeps the plain key after the mail with retain_api_keys', async () => {
    const after = await issued({ retainApiKeys: true });
    expect(after.apiKey).toBe('sk-reserved-0');
  });

  it("records LiteLLM's expiry, else now + the key's duration", async () => {
    const expires = '2031-06-05T14:30:00.000Z';
    const stated = await issued({
      duration: '30d',
      mint: () => ok({ outcome: 'minted', keyHash: HASH, expires }),
    });
    expect(stated.expiresAt).toBe(expires);
    const computed = await issued({ duration: '2h' }, 'bob@example.com');
    expect(computed.expiresAt).toBe(new Date(k.clock + 2 * 3_600_000).toISOString());
    const never = await issued({}, 'carol@example.com');
    expect(never.expiresAt).toBeNull();
  });

  it('names a key that took over an alias, and an adopted one, in the history', async () => {
    const replaced = await issued({ mint: () => ok({ outcome: 'replaced', keyHash: HASH, expires: null }) });
    expect(replaced.history.find((entry) => entry.action === 'key-replaced')).toMatchObject({
      actor: 'worker',
      reason: 'another key held the alias user-alice@example.com-gpt-4o; it was deleted',
    });
    const adopted = await issued(
      { mint: () => ok({ outcome: 'adopted', keyHash: HASH, expires: null }) },
      'bob@example.com',
    );
    expect(adopted.history.map((entry) => entry.action)).toContain('key-adopted');
    expect(k.mailed.map((mail) => mail.text.includes('sk-reserved-'))).toEqual([true, true]);
  });
});

/** An issued key (duration 30 days) that expired: the worker moved the request to `expired`. */
async function expiredRequest(ports: Ports = {}): Promise<KeyRequest> {
  const first = await issued({ duration: '30d', ...ports });
  k.clock = Date.parse(first.expiresAt ?? '') + 1000;
  expect(await k.processor(ports)(await k.claimedAgain())).toEqual({ status: 'done' });
  const expired = await k.stored(first.id);
  expect(expired).toMatchObject({ state: 'expired', handledState: 'expired', keyHash: HASH });
  return expired;
}

describe('worker: expiry', () => {
  it('moves an issued key past its expiry to expired, recorded as the worker, without a mail', async () => {
    const expired = await expiredRequest();
    expect(k.mailed).toHaveLength(1);
    expect(expired.history.at(-1)).toMatchObject({
      actor: 'worker',
      action: 'expired',
      from: 'approved',
      to: 'expired',
    });
    expect(expired.work.owner).toBeNull();
    expect(await k.claimAll(k.clock + 86_400_000)).toEqual([]);
  });

  it('drops a plain key kept for a given-up approval mail: it can no longer be sent', async () => {
    const refused = () => fail(new AppError('rejected', 'SMTP EENVELOPE 550 (RCPT TO)', { retry: false }));
    let request = await k.claimed();
    for (let attempt = 1; attempt <= MAIL_TRIES; attempt++) {
      await k.processor({ duration: '1h', send: refused })(request);
      const after = await k.stored(request.id);
      if (attempt < MAIL_TRIES) {
        k.clock = after.work.nextAttemptAt;
        request = await k.claimedAgain();
      }
    }
    const given = await k.stored(request.id);
    expect(given).toMatchObject({ handledState: 'approved', apiKey: 'sk-reserved-0' });
    expect(given.notificationFailure?.kind).toBe('approval');
    k.clock = Date.parse(given.expiresAt ?? '') + 1;
    await k.processor()(await k.claimedAgain());
    expect(await k.stored(request.id)).toMatchObject({ state: 'expired', apiKey: null });
  });
});

describe('worker: renewals and re-issues', () => {
  it('extends the key LiteLLM still has, mails "extended" without the key, and mints nothing more', async () => {
    const expired = await expiredRequest({ retainApiKeys: true });
    const renewed = await transition('renew', expired, ACTORS.requester);
    expect(renewed).toMatchObject({ state: 'pending', cycle: 2 });
    const until = new Date(k.clock + 30 * 86_400_000).toISOString();
    const extend = () => ok({ keyHash: HASH, expires: until });

    await k.processor({ duration: '30d', retainApiKeys: true, extend })(await k.claimedAgain());

    expect(k.extended).toEqual([[HASH, '30d']]);
    expect(k.minted).toHaveLength(1);
    const mail = k.mailed.at(-1);
    expect(mail?.messageId).toBe(`<${expired.id}.approval.c2@llm-key-requestor>`);
    expect(mail?.text).toContain('was extended until');
    // The plain key is still stored (retain_api_keys) but never mailed again.
    expect(mail?.text).not.toContain('sk-reserved-0');
    const after = await k.stored(expired.id);
    expect(after).toMatchObject({ state: 'approved', handledState: 'approved', cycle: 2, expiresAt: until });
    expect(actions(after).slice(-5)).toEqual([
      'worker expired',
      'requester renewal-requested',
      'plugin:whitelist decided',
      'worker key-extended',
      'worker mail-delivered',
    ]);
  });

  it('extends without a duration to "never expires"', async () => {
    const expired = await expiredRequest();
    const reissued = await transition('approve', expired);
    expect(reissued).toMatchObject({ state: 'approved', cycle: 2 });

    await k.processor({ extend: () => ok({ keyHash: HASH, expires: null }) })(await k.claimedAgain());

    expect(k.extended).toEqual([[HASH, '-1']]);
    expect((await k.stored(expired.id)).expiresAt).toBeNull();
    expect(k.mailed.at(-1)?.text).toContain('was extended and no longer expires');
  });

  it('mints a new key when LiteLLM no longer has the earlier one, and mails it', async () => {
    const expired = await expiredRequest();
    await transition('renew', expired, ACTORS.requester);

    await k.processor({ duration: '30d', extend: () => ok(null) })(await k.claimedAgain());

    expect(k.minted.map((call) => call.key)).toEqual(['sk-reserved-0', 'sk-reserved-1']);
    const mail = k.mailed.at(-1);
    expect(mail?.messageId).toBe(`<${expired.id}.approval.c2@llm-key-requestor>`);
    expect(mail?.text).toContain('sk-reserved-1');
    expect(await k.stored(expired.id)).toMatchObject({ state: 'approved', keyHint: 'ed-1', apiKey: null });
  });

  it('deletes a revoked key before a re-issue that came before the worker did, and never extends it', async () => {
    const first = await issued();
    const revoked = await transition('revoke', first);
    // Re-issued at once: the revocation's duties (delete, mail) were never done.
    await transition('approve', revoked);

    await k.processor({ extend: () => ok({ keyHash: HASH, expires: null }) })(await k.claimedAgain());

    expect(k.deleted).toEqual([[HASH]]);
    expect(k.extended).toEqual([]);
    expect(k.minted.map((call) => call.key)).toEqual(['sk-reserved-0', 'sk-reserved-1']);
    const after = await k.stored(first.id);
    expect(actions(after).slice(-5)).toEqual([
      'admin:root revoked',
      'admin:root reissued',
      'worker key-deleted',
      'worker key-minted',
      'worker mail-delivered',
    ]);
    expect(after.history.find((entry) => entry.action === 'key-deleted')?.reason).toBe('deleted sk-…ed-0');
  });
});

describe('worker: denials and revocations', () => {
  it('deletes the key of a request moved from approved to denied (kubectl), then mails the denial', async () => {
    const first = await issued();
    await mustUpdate(k.store, first, {
      state: 'denied',
      reason: 'moved by hand',
      append: [historyEntry('external-change', ACTORS.external, { from: 'approved', to: 'denied' })],
    });

    await k.processor()(await k.claimedAgain());

    expect(k.deleted).toEqual([[HASH]]);
    expect(k.mailed.map((mail) => mail.messageId)).toEqual([
      `<${first.id}.approval.c1@llm-key-requestor>`,
      `<${first.id}.denial.c1@llm-key-requestor>`,
    ]);
    const after = await k.stored(first.id);
    expect(after).toMatchObject({ state: 'denied', handledState: 'denied', keyHash: null, keyHint: null });
    expect(actions(after).slice(-3)).toEqual([
      'external external-change',
      'worker key-deleted',
      'worker mail-delivered',
    ]);
  });

  it('keeps the live key of a renewal the chain denied', async () => {
    const first = await issued({ duration: '30d' });
    // Renewable from approved within remind_before of expiry: renewed, then denied by the chain.
    const renewal = planTransition('renew', first, {
      actor: ACTORS.requester,
      reason: null,
      now: k.clock,
      policy: { remindBeforeMs: 31 * 86_400_000, denyCooldownMs: 0 },
    });
    expect(renewal.ok).toBe(true);
    if (renewal.ok) {
      await mustUpdate(k.store, first, renewal.value);
    }
    const deny = async () => ({
      decision: 'DENY' as const,
      reason: 'Not any more',
      plugin: 'blacklist' as const,
    });

    await k.processor({ decide: deny })(await k.claimedAgain());

    expect(k.deleted).toEqual([]);
    expect(k.mailed.at(-1)?.messageId).toBe(`<${first.id}.denial.c2@llm-key-requestor>`);
    expect(await k.stored(first.id)).toMatchObject({ state: 'denied', cycle: 2, keyHash: HASH });
  });

  it('deletes a revoked key by its hash, mails the revocation and forgets the key', async () => {
    const first = await issued({ duration: '30d' });
    await transition('revoke', first);

    await k.processor()(await k.claimedAgain());

    expect(k.deleted).toEqual([[HASH]]);
    expect(k.mailed.at(-1)?.messageId).toBe(`<${first.id}.revocation.c1@llm-key-requestor>`);
    expect(await k.stored(first.id)).toMatchObject({
      state: 'revoked',
      handledState: 'revoked',
      apiKey: null,
      keyHash: null,
      keyHint: null,
      expiresAt: null,
    });
  });
});

describe('worker: reminders, link mails and review notices', () => {
  it('reminds once per cycle within remind_before of the expiry, with the renew link', async () => {
    const hour = 3_600_000;
    const ports = { duration: '2h', remindBeforeMs: hour };
    const first = await issued(ports);
    expect(await k.claimAll(k.clock + hour - 1, hour)).toEqual([]);
    k.clock += hour;

    await k.processor(ports)(await k.claimedAgain(hour));

    const reminder = k.mailed.at(-1);
    expect(reminder?.messageId).toBe(`<${first.id}.reminder.c1@llm-key-requestor>`);
    expect(reminder?.text).toContain(`https://portal.example.com/requests/${first.id}?token=t0k3n`);
    expect(await k.stored(first.id)).toMatchObject({ state: 'approved', remindedCycle: 1 });
    // Once: the next thing due is the expiry itself.
    expect(await k.claimAll(k.clock + hour - 1, hour)).toEqual([]);
    expect(k.mailed).toHaveLength(2);
  });

  it('sends a waiting link mail for its hour and remembers the hour', async () => {
    const first = await issued();
    const hour = epochHour(k.clock);
    await mustUpdate(k.store, first, { linkMail: { hour } });

    await k.processor()(await k.claimedAgain());

    expect(k.mailed.at(-1)?.messageId).toBe(`<${first.id}.link.c1.h${hour}@llm-key-requestor>`);
    expect(await k.stored(first.id)).toMatchObject({ linkMail: null, lastLinkMailHour: hour });
  });

  it('notifies the admins of a request parked for review, with the console link', async () => {
    const request = await k.claimed();
    const review = async () => ({
      decision: 'REVIEW' as const,
      reason: 'Needs a look',
      plugin: 'review' as const,
    });

    await k.processor({ decide: review, adminNotify: ['ops@example.com'] })(request);

    const notice = k.mailed.at(-1);
    expect(notice?.to).toEqual(['ops@example.com']);
    expect(notice?.messageId).toBe(`<${request.id}.review.c1@llm-key-requestor>`);
    expect(notice?.text).toContain(`https://portal.example.com/admin/requests/${request.id}`);
  });
});

describe('worker: a given-up approval mail and its resend', () => {
  it('keeps the plain key for the resend, and drops it once the resend is delivered', async () => {
    const refused = () => fail(new AppError('rejected', 'SMTP EENVELOPE 550 (RCPT TO)', { retry: false }));
    let request = await k.claimed();
    for (let attempt = 1; attempt <= MAIL_TRIES; attempt++) {
      await k.processor({ send: refused })(request);
      if (attempt < MAIL_TRIES) {
        k.clock = (await k.stored(request.id)).work.nextAttemptAt;
        request = await k.claimedAgain();
      }
    }
    const given = await k.stored(request.id);
    expect(given).toMatchObject({ handledState: 'approved', apiKey: 'sk-reserved-0' });
    expect(given.notificationFailure).toMatchObject({ kind: 'approval' });
    expect(k.givenUp).toEqual(['approval']);

    const admin = createAdminService({
      store: k.store,
      wakeWorker() {},
      lifecycle: POLICY,
      now: () => k.clock,
    });
    await admin.resend(request.id, 'admin:root');
    await k.processor()(await k.claimedAgain());

    const mail = k.mailed.at(-1);
    expect(mail?.messageId).toBe(`<${request.id}.approval.c1@llm-key-requestor>`);
    expect(mail?.text).toContain('sk-reserved-0');
    const after = await k.stored(request.id);
    expect(after).toMatchObject({ handledState: 'approved', apiKey: null, notificationFailure: null });
    expect(actions(after).slice(-3)).toEqual([
      'worker mail-failed',
      'admin:root mail-resent',
      'worker mail-delivered',
    ]);
    expect(k.minted).toHaveLength(1);
  });
});
