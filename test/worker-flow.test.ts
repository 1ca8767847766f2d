import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApprovalServer } from './support/fake-approval-server.js';
import { type Harness, REVIEW_CONFIG, startHarness } from './support/service-harness.js';
import { waitUntil } from './support/wait.js';

const SEED_CONFIG = `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: ollama/llama2, title: Llama 2}
  - {id: claude-3, title: Claude 3, key: {rpm_limit: 7, metadata: {tier: premium}}}
litellm:
  enable_litellm_models: false
  key_defaults: {max_budget: 5, duration: 30d, metadata: {team: platform}}
approval_plugins:
  - {name: blacklist, config: {list: ["gpt-4*"]}}
  - {name: whitelist, config: {list: ["ollama/*"]}}
  - {name: email, config: {pattern: "*@company.com"}}
`;

const NOTIFY_CONFIG = `${REVIEW_CONFIG}admin: {notify: [admin@company.com, lead@company.com]}
`;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function submitted(email: string, model: string): Promise<string> {
  const { status, body } = await h.submit(email, model);
  expect(status).toBe(200);
  return String(body.request_id);
}

describe('approval worker: the seed example chain', () => {
  it('ends the four documented requests in DENY, APPROVE, APPROVE, DENY with one mail each', async () => {
    h = await startHarness({ configYaml: SEED_CONFIG });
    const ids = [
      await submitted('user@company.com', 'gpt-4'),
      await submitted('user@company.com', 'ollama/llama2'),
      await submitted('user@company.com', 'claude-3'),
      await submitted('user@gmail.com', 'claude-3'),
    ];
    const results = await Promise.all(ids.map((id) => h.settled(id)));
    expect(results.map((r) => r.state)).toEqual(['denied', 'approved', 'approved', 'denied']);
    expect(results[0]?.reason).toBe('Model "gpt-4" is blocked (matches blacklist pattern "gpt-4*")');
    expect(results[1]?.reason).toContain('whitelist pattern "ollama/*"');
    expect(results[2]?.reason).toContain('*@company.com');
    expect(results[3]?.reason).toBe('Email address is not allowed (it must match "*@company.com")');

    const mails = await h.smtp.waitForCount(4);
    expect(mails).toHaveLength(4);
    const byTo = (to: string, subject: string) =>
      mails.filter((m) => m.to.includes(to) && m.subject === subject);
    expect(byTo('user@company.com', 'API Key Request Denied for gpt-4')).toHaveLength(1);
    expect(byTo('user@company.com', 'API Key Approved for ollama/llama2')).toHaveLength(1);
    expect(byTo('user@company.com', 'API Key Approved for claude-3')).toHaveLength(1);
    expect(byTo('user@gmail.com', 'API Key Request Denied for claude-3')).toHaveLength(1);

    // The approved requests hold exactly the keys that are live on LiteLLM (by hash: the plain
    // key is dropped once mailed), and their mails carry them.
    const live = h.litellm.liveKeys();
    expect(live).toHaveLength(2);
    for (const approved of [results[1], results[2]]) {
      expect(approved?.apiKey).toBeNull();
      const key = live.find((k) => k.token === approved?.keyHash);
      expect(key).toBeDefined();
      const mail = mails.find((m) => m.subject === `API Key Approved for ${approved?.model}`);
      expect(mail?.text).toContain(key?.key);
      expect(mail?.text).toContain('https://llm.example.com');
      expect(mail?.messageId).toBe(`<${approved?.id}.approval.c1@llm-key-requestor>`);
    }
    const denial = mails.find((m) => m.subject === 'API Key Request Denied for gpt-4');
    expect(denial?.text).toContain('blocked');
  });

  it('mints with the documented body: models, user, alias, metadata and merged key settings', async () => {
    h = await startHarness({ configYaml: SEED_CONFIG });
    const id = await submitted('user@company.com', 'claude-3');
    await h.settled(id);
    const generate = h.litellm.calls.filter((c) => c.path === '/key/generate');
    expect(generate).toHaveLength(1);
    expect(generate[0]?.headers.authorization).toBe(`Bearer ${h.litellm.masterKey}`);
    expect(generate[0]?.body).toMatchObject({
      models: ['claude-3'],
      user_id: 'user@company.com',
      key_alias: 'user-user@company.com-claude-3',
      metadata: { team: 'platform', tier: 'premium', request_id: id, email: 'user@company.com' },
      max_budget: 5,
      duration: '30d',
      rpm_limit: 7,
    });
  });

  it('processes a new request at once instead of waiting for the 30 s interval', async () => {
    h = await startHarness({ configYaml: SEED_CONFIG });
    const started = Date.now();
    const id = await submitted('user@company.com', 'ollama/llama2');
    await h.smtp.waitFor((m) => m.subject === 'API Key Approved for ollama/llama2', 10_000);
    expect((await h.request(id)).state).toBe('approved');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('approval worker: failing dependencies', () => {
  it('keeps requests retryable while LiteLLM fails, then mints exactly one key each', async () => {
    h = await startHarness({ configYaml: SEED_CONFIG });
    h.litellm.setDown({ status: 500 });
    const ids = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((name) => submitted(`${name}@company.com`, 'ollama/llama2')),
    );
    await waitUntil(
      async () => {
        const all = await Promise.all(ids.map((id) => h.request(id)));
        return all.every((r) => r.work.attempts >= 1 && r.work.lastError !== null);
      },
      { what: 'every request to record a failed mint' },
    );
    for (const id of ids) {
      const request = await h.request(id);
      expect(request.state).toBe('approved');
      expect(request.apiKey).toBeNull();
      expect(request.work.lastError).not.toContain(h.litellm.masterKey);
    }
    h.litellm.setDown(null);
    const results = await Promise.all(ids.map((id) => h.settled(id)));
    expect(results.every((r) => r.state === 'approved' && r.keyHash !== null)).toBe(true);
    const live = h.litellm.liveKeys();
    expect(live).toHaveLength(5);
    expect(new Set(live.map((k) => k.token))).toEqual(new Set(results.map((r) => r.keyHash)));
    const mails = await h.smtp.waitForCount(5);
    expect(mails).toHaveLength(5);
  });

  it('does not mint a second key when the answer to a successful mint was lost', async () => {
    h = await startHarness({ configYaml: SEED_CONFIG });
    h.litellm.failNext(1, 'reset', { path: '/key/generate', afterHandling: true });
    const id = await submitted('user@company.com', 'ollama/llama2');
    const request = await h.settled(id);
    expect(h.litellm.liveKeys().map((k) => k.token)).toEqual([request.keyHash]);
  });

  it('delivers every mail exactly once after the SMTP server comes back', async () => {
    h = await startHarness({ configYaml: SEED_CONFIG });
    h.smtp.setDown(421);
    const ids = await Promise.all(['a', 'b', 'c'].map((name) => submitted(`${name}@gmail.com`, 'claude-3')));
    await waitUntil(
      async () => (await Promise.all(ids.map((id) => h.request(id)))).every((r) => r.work.attempts >= 1),
      {
        what: 'failed sends to be recorded',
      },
    );
    expect(
      (await Promise.all(ids.map((id) => h.request(id)))).every(
        (r) => r.state === 'denied' && r.handledState === null,
      ),
    ).toBe(true);
    h.smtp.setDown(null);
    await Promise.all(ids.map((id) => h.settled(id)));
    const mails = await h.smtp.waitForCount(3);
    expect(mails.map((m) => m.messageId).sort()).toEqual(
      ids.map((id) => `<${id}.denial.c1@llm-key-requestor>`).sort(),
    );
    // Nothing is sent again once recorded.
    h.service.worker.wake();
    await h.settled(ids[0] ?? '');
    expect(h.smtp.messages).toHaveLength(3);
  });
});

describe('approval worker: review, manual approval and revocation', () => {
  it('parks a request for review, notifies the admins, and mints once an admin approves', async () => {
    h = await startHarness({ configYaml: NOTIFY_CONFIG });
    const id = await submitted('dev@company.com', 'gpt-4');
    const parked = await h.settled(id);
    expect(parked.state).toBe('in-review');
    expect(parked.reason).toBe('Model "gpt-4" requires admin review');
    const notice = await h.smtp.waitFor((m) => m.messageId === `<${id}.review.c1@llm-key-requestor>`);
    expect(notice.to.sort()).toEqual(['admin@company.com', 'lead@company.com']);
    expect(notice.text).toContain('dev@company.com');
    expect(h.litellm.liveKeys()).toHaveLength(0);

    // An admin (or `kubectl label ... request-state=approved`) approves: the request has no key yet.
    const updated = await h.service.store.update(id, parked.version, {
      state: 'approved',
      reason: 'ok by admin',
    });
    expect(updated.ok).toBe(true);
    h.service.worker.wake();
    const approved = await h.settled(id);
    const [key] = h.litellm.liveKeys();
    expect(key?.token).toBe(approved.keyHash);
    const mail = await h.smtp.waitFor((m) => m.subject === 'API Key Approved for gpt-4');
    expect(mail.to).toEqual(['dev@company.com']);
    expect(mail.text).toContain(key?.key);
  });

  it('deletes the key on LiteLLM and mails the requester when a request is revoked', async () => {
    h = await startHarness({ configYaml: NOTIFY_CONFIG });
    const id = await submitted('dev@company.com', 'ollama/llama2');
    const approved = await h.settled(id);
    expect(h.litellm.liveKeys()).toHaveLength(1);
    const revoked = await h.service.store.update(id, approved.version, {
      state: 'revoked',
      reason: 'left the team',
    });
    expect(revoked.ok).toBe(true);
    h.service.worker.wake();
    await h.settled(id);
    expect(h.litellm.liveKeys()).toHaveLength(0);
    const deletes = h.litellm.calls.filter((c) => c.path === '/key/delete');
    // Named by its hash: the key itself never goes to LiteLLM again once minted.
    expect(deletes.at(-1)?.body).toEqual({ keys: [approved.keyHash] });
    const notice = await h.smtp.waitFor((m) => m.messageId === `<${id}.revocation.c1@llm-key-requestor>`);
    expect(notice.to).toEqual(['dev@company.com']);
    expect(notice.text).toContain('left the team');
  });
});

describe('approval worker: decisions racing the worker', () => {
  it('honours an admin decision made while the chain is still deciding', async () => {
    const approvals = await startFakeApprovalServer();
    approvals.setBehaviour({ body: { decision: 'APPROVE' }, delayMs: 1500 });
    try {
      h = await startHarness({
        configYaml: `
models: [{id: gpt-4, title: GPT-4}]
litellm: {enable_litellm_models: false}
approval_plugins: [{name: http, config: {endpoint: "${approvals.url}/approve", timeout: 10s}}]
`,
      });
      const id = await submitted('dev@company.com', 'gpt-4');
      await waitUntil(() => approvals.requests.length === 1, { what: 'the chain to ask the endpoint' });
      const inFlight = await h.request(id);
      expect(inFlight.work.owner).toBe(h.service.worker.owner);
      const denied = await h.service.store.update(id, inFlight.version, {
        state: 'denied',
        reason: 'denied by admin',
      });
      expect(denied.ok).toBe(true);

      const final = await h.settled(id);
      expect(final).toMatchObject({ state: 'denied', reason: 'denied by admin', apiKey: null });
      await h.smtp.waitFor((m) => m.subject === 'API Key Request Denied for gpt-4');
      expect(h.smtp.messages.map((m) => m.subject)).toEqual(['API Key Request Denied for gpt-4']);
      expect(h.litellm.liveKeys()).toHaveLength(0);
    } finally {
      await approvals.close();
    }
  });

  it('deletes a minted key, and never mails it, when the request is revoked before the approval mail went out', async () => {
    h = await startHarness({ configYaml: SEED_CONFIG });
    h.smtp.setDown(451);
    const id = await submitted('user@company.com', 'ollama/llama2');
    // Minted, but the approval mail keeps failing: the request is approved with a key, not yet handled.
    const minted = await waitUntil(async () => {
      const request = await h.request(id);
      return request.apiKey !== null && request.work.attempts >= 1 ? request : null;
    });
    const revoked = await h.service.store.update(id, minted.version, {
      state: 'revoked',
      reason: 'no longer needed',
    });
    expect(revoked.ok).toBe(true);
    h.smtp.setDown(null);
    h.service.worker.wake();
    const final = await h.settled(id);
    expect(final.state).toBe('revoked');
    expect(h.litellm.liveKeys()).toHaveLength(0);
    await h.smtp.waitFor((m) => m.messageId === `<${id}.revocation.c1@llm-key-requestor>`);
    expect(h.smtp.messages.map((m) => m.subject)).toEqual(['API Key Revoked for ollama/llama2']);
  });
});

describe('approval worker: no plugins', () => {
  it('denies with the documented reason', async () => {
    h = await startHarness();
    const id = await submitted('user@company.com', 'gpt-4');
    const request = await h.settled(id);
    expect(request).toMatchObject({ state: 'denied', reason: 'No approval plugins configured' });
    await h.smtp.waitFor((m) => m.subject === 'API Key Request Denied for gpt-4');
  });

  it('denies by default when every plugin continues', async () => {
    h = await startHarness({
      configYaml: `${SEED_CONFIG.split('approval_plugins:')[0]}approval_plugins:\n  - {name: whitelist, config: {list: ["nothing"]}}\n`,
    });
    const id = await submitted('user@company.com', 'claude-3');
    expect(await h.settled(id)).toMatchObject({
      state: 'denied',
      reason: 'All approval plugins returned CONTINUE - denied by default',
    });
  });
});
