import { afterEach, describe, expect, it } from 'vitest';
import {
  adminCall,
  expectNoKeyInUrls,
  keyOf,
  mailOf,
  relabel,
  settledIn,
  submitted,
  trail,
} from './support/lifecycle.js';
import {
  ADMIN_ENV,
  type Harness,
  REVIEW_CONFIG,
  STORE_KINDS,
  startHarness,
} from './support/service-harness.js';

// The audit trail of docs/design.md ("Audit trail") as the real service writes it, on both stores:
// who decided, and every duty the worker completed.

const SEED_CONFIG = `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: ollama/llama2, title: Llama 2}
  - {id: claude-3, title: Claude 3}
litellm:
  enable_litellm_models: false
  key_defaults: {duration: 30d}
approval_plugins:
  - {name: blacklist, config: {list: ["gpt-4*"]}}
  - {name: whitelist, config: {list: ["ollama/*"]}}
  - {name: email, config: {pattern: "*@company.com"}}
`;

/** gpt-4 is parked for review (the admins are notified), ollama/* approved automatically. */
const REVIEW_NOTIFY_CONFIG = `${REVIEW_CONFIG}admin: {notify: [ops@company.com]}
public_url: https://keys.example.com
`;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe.each(STORE_KINDS)('audit trail on the %s store', (store) => {
  it("records the seed chain's decisions, keys and mails in each request's history", async () => {
    h = await startHarness({ configYaml: SEED_CONFIG, store });
    const ids = [
      await submitted(h, 'user@company.com', 'gpt-4'),
      await submitted(h, 'user@company.com', 'ollama/llama2'),
      await submitted(h, 'user@company.com', 'claude-3'),
      await submitted(h, 'user@gmail.com', 'claude-3'),
    ];
    const states = ['denied', 'approved', 'approved', 'denied'] as const;
    const done = await Promise.all(ids.map((id, index) => settledIn(h, id, states[index] ?? 'denied')));

    const approved = ['requester created', 'worker key-minted', 'worker mail-delivered'];
    expect(done.map(trail)).toEqual([
      ['requester created', 'plugin:blacklist decided', 'worker mail-delivered'],
      [approved[0], 'plugin:whitelist decided', ...approved.slice(1)],
      [approved[0], 'plugin:email decided', ...approved.slice(1)],
      ['requester created', 'plugin:email decided', 'worker mail-delivered'],
    ]);
    expect(done[1]?.history[1]).toMatchObject({ from: 'pending', to: 'approved' });
    expect(done[1]?.history[2]).toMatchObject({ from: 'approved', to: 'approved', reason: null });
    expect(done[0]?.history[2]).toMatchObject({ reason: 'denial mail' });
    expectNoKeyInUrls(h.litellm);
  });

  it('records an admin approval between the review and the worker, and the review notice links the console', async () => {
    h = await startHarness({ configYaml: REVIEW_NOTIFY_CONFIG, env: ADMIN_ENV, store });
    const id = await submitted(h, 'dev@company.com', 'gpt-4');
    await settledIn(h, id, 'in-review');
    const notice = await mailOf(h, id, 'review', 1);
    expect(notice.to).toEqual(['ops@company.com']);
    expect(notice.text).toContain(`https://keys.example.com/admin/requests/${id}`);

    const approved = await adminCall(h, 'POST', `/api/admin/requests/${id}/approve`, {});
    expect(approved.status).toBe(200);
    const done = await settledIn(h, id, 'approved');

    expect(trail(done)).toEqual([
      'requester created',
      'plugin:review decided',
      'worker mail-delivered',
      'admin:root approved',
      'worker key-minted',
      'worker mail-delivered',
    ]);
    const mail = await mailOf(h, id, 'approval', 1);
    expect(mail.text).toContain(keyOf(h.litellm, done.keyHash));
    // The admin's detail names the admin; the requester's page says "admin".
    const detail = await adminCall(h, 'GET', `/api/admin/requests/${id}`);
    expect(JSON.stringify(detail.json)).toContain('admin:root');
    const page = /https?:\/\/\S+\/requests\/\S+\?token=[A-Za-z0-9_-]+/.exec(mail.text)?.[0] ?? '';
    const token = new URL(page).searchParams.get('token');
    const mine = await fetch(`${h.url}/api/requests/${id}?token=${token}`);
    const view = (await mine.json()) as { history: { actor: string }[] };
    expect(view.history.map((entry) => entry.actor)).toContain('admin');
    expect(JSON.stringify(view)).not.toContain('admin:root');
  });

  it('records a revoke, deletes the key on LiteLLM by its hash and forgets it', async () => {
    h = await startHarness({ configYaml: REVIEW_NOTIFY_CONFIG, env: ADMIN_ENV, store });
    const id = await submitted(h, 'dev@company.com', 'ollama/llama2');
    const approved = await settledIn(h, id, 'approved');
    expect(h.litellm.liveKeys()).toHaveLength(1);

    const revoked = await adminCall(h, 'POST', `/api/admin/requests/${id}/revoke`, {
      reason: 'left the team',
    });
    expect(revoked.status).toBe(200);
    const done = await settledIn(h, id, 'revoked');

    expect(h.litellm.liveKeys()).toEqual([]);
    const deletes = h.litellm.calls.filter((call) => call.path === '/key/delete');
    expect(deletes.map((call) => call.body)).toEqual([{ keys: [approved.keyHash] }]);
    expect(trail(done).slice(-3)).toEqual([
      'admin:root revoked',
      'worker key-deleted',
      'worker mail-delivered',
    ]);
    expect(done).toMatchObject({ apiKey: null, keyHash: null, keyHint: null, expiresAt: null });
    const notice = await mailOf(h, id, 'revocation', 1);
    expect(notice.text).toContain('left the team');
    expectNoKeyInUrls(h.litellm);
  });
});

describe('changes made with kubectl', () => {
  // Nothing wakes the worker on a kubectl edit: it finds it on its next pass.
  const env = { APPROVAL_QUEUE_INTERVAL: '300ms' };

  it('a label approval is recorded as external, then the worker mints and mails', async () => {
    h = await startHarness({ configYaml: REVIEW_NOTIFY_CONFIG, store: 'kubernetes', env });
    const id = await submitted(h, 'dev@company.com', 'gpt-4');
    await settledIn(h, id, 'in-review');

    await relabel(h, id, 'approved');
    const done = await settledIn(h, id, 'approved');

    expect(trail(done).slice(-4)).toEqual([
      'worker mail-delivered',
      'external external-change',
      'worker key-minted',
      'worker mail-delivered',
    ]);
    expect(done.history.find((entry) => entry.action === 'external-change')).toMatchObject({
      from: 'in-review',
      to: 'approved',
    });
    const mail = await mailOf(h, id, 'approval', 1);
    expect(mail.text).toContain(keyOf(h.litellm, done.keyHash));
    expect(h.litellm.liveKeys()).toHaveLength(1);
  });

  it('approved → denied deletes the key first, then mails the denial', async () => {
    h = await startHarness({ configYaml: REVIEW_NOTIFY_CONFIG, store: 'kubernetes', env });
    const id = await submitted(h, 'dev@company.com', 'ollama/llama2');
    const approved = await settledIn(h, id, 'approved');
    expect(h.litellm.liveKeys().map((key) => key.token)).toEqual([approved.keyHash]);

    await relabel(h, id, 'denied');
    const done = await settledIn(h, id, 'denied');

    expect(h.litellm.liveKeys()).toEqual([]);
    expect(trail(done).slice(-3)).toEqual([
      'external external-change',
      'worker key-deleted',
      'worker mail-delivered',
    ]);
    expect(done).toMatchObject({ cycle: 1, keyHash: null });
    await mailOf(h, id, 'denial', 1);
    expectNoKeyInUrls(h.litellm);
  });
});
