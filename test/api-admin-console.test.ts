import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationFailure } from '../src/requests/request-types.js';
import { adminRequest } from './support/admin-http.js';
import { mustUpdate } from './support/must-update.js';
import { ADMIN_ENV, type Harness, startHarness } from './support/service-harness.js';

/** gpt-4 is parked for review, ollama/* approved with a budget and a 30-day key. */
const CONFIG = `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: ollama/llama2, title: Llama 2}
litellm:
  enable_litellm_models: false
  key_defaults: {duration: 30d, max_budget: 25, budget_duration: 30d}
approval_plugins:
  - {name: review, config: {patterns: ["gpt-4"]}}
  - {name: whitelist, config: {list: ["ollama/*"]}}
`;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return adminRequest(h.url, method, path, body, headers);
}

async function submitted(email: string, model: string): Promise<{ id: string; token: string }> {
  const { body } = await h.submit(email, model);
  return { id: String(body.request_id), token: String(body.token) };
}

const failure = (kind: NotificationFailure['kind']): NotificationFailure => ({
  kind,
  error: '550 5.1.1 mailbox unavailable',
  at: new Date().toISOString(),
});

describe('GET /api/admin/stats', () => {
  it('counts every state, expired included, and the requests holding a failed notification', async () => {
    h = await startHarness({ configYaml: CONFIG, env: ADMIN_ENV, startWorker: false });
    const empty = await call('GET', '/api/admin/stats');
    expect(empty.json).toEqual({
      total: 0,
      by_state: { pending: 0, approved: 0, denied: 0, 'in-review': 0, revoked: 0, expired: 0 },
      notification_failed: 0,
    });
    const a = await submitted('a@example.com', 'gpt-4');
    const b = await submitted('b@example.com', 'gpt-4');
    // Approved by the whitelist as it is submitted; one stored directly stays pending.
    await submitted('c@example.com', 'ollama/llama2');
    await h.service.store.create({ email: 'd@example.com', model: 'gpt-4' });
    await mustUpdate(h.service.store, await h.request(a.id), { state: 'expired', handledState: 'expired' });
    await mustUpdate(h.service.store, await h.request(b.id), {
      state: 'denied',
      handledState: 'denied',
      notificationFailure: failure('denial'),
    });

    const stats = await call('GET', '/api/admin/stats');
    expect(stats.status).toBe(200);
    expect(stats.json).toEqual({
      total: 4,
      by_state: { pending: 1, approved: 1, denied: 1, 'in-review': 0, revoked: 0, expired: 1 },
      notification_failed: 1,
    });
    expect((await call('GET', '/api/admin/stats', undefined, { authorization: 'Basic eDp5' })).status).toBe(
      401,
    );
  });
});

describe('allowed_actions', () => {
  it('lists what each request allows now, the reason rule of each, and re-issues as a new cycle', async () => {
    h = await startHarness({ configYaml: CONFIG, env: ADMIN_ENV });
    const review = await submitted('r@example.com', 'gpt-4');
    const approved = await submitted('a@example.com', 'ollama/llama2');
    await h.settled(review.id);
    await h.settled(approved.id);

    const list = await call('GET', '/api/admin/requests?filter=all');
    const byId = new Map(
      list.json.map((item: { request_id: string; allowed_actions: unknown }) => [
        item.request_id,
        item.allowed_actions,
      ]),
    );
    expect(byId.get(review.id)).toEqual([
      { action: 'approve', reason: 'optional', new_cycle: false },
      { action: 'deny', reason: 'required', new_cycle: false },
    ]);
    expect(byId.get(approved.id)).toEqual([{ action: 'revoke', reason: 'required', new_cycle: false }]);

    const denied = await call('POST', `/api/admin/requests/${review.id}/deny`, { reason: 'Not now' });
    expect(denied.json.request.allowed_actions).toEqual([
      { action: 'approve', reason: 'optional', new_cycle: true },
    ]);
    // What allowed_actions leaves out is what the API refuses.
    expect((await call('POST', `/api/admin/requests/${review.id}/deny`, { reason: 'again' })).status).toBe(
      409,
    );
    expect((await call('POST', `/api/admin/requests/${approved.id}/approve`, {})).status).toBe(409);
  });
});

describe('POST /api/admin/requests/{id}/resend', () => {
  it('sends a given-up notification again, records who asked, and is offered only while owed', async () => {
    h = await startHarness({ configYaml: CONFIG, env: ADMIN_ENV, startWorker: false });
    const { id } = await submitted('dev@example.com', 'gpt-4');
    const none = await call('POST', `/api/admin/requests/${id}/resend`);
    expect(none.status).toBe(409);
    expect(none.json).toEqual({
      message: 'This request has no failed notification to re-send',
      success: false,
    });
    // As the worker leaves a denial whose mail the server refused for good.
    await mustUpdate(h.service.store, await h.request(id), {
      state: 'denied',
      reason: 'Use the on-prem model',
      handledState: 'denied',
      notificationFailure: failure('denial'),
    });
    const detail = await call('GET', `/api/admin/requests/${id}`);
    expect(detail.json.notification_failure).toMatchObject({ kind: 'denial' });
    expect(detail.json.allowed_actions).toContainEqual({
      action: 'resend',
      reason: 'none',
      new_cycle: false,
    });
    expect((await call('POST', `/api/admin/requests/${id}/resend`, { reason: 'x' })).status).toBe(422);

    h.service.worker.start();
    const resent = await call('POST', `/api/admin/requests/${id}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.json).toMatchObject({
      success: true,
      message: `Request ${id}: the failed notification will be sent again`,
      request: { request_id: id, state: 'denied' },
    });
    expect(resent.json.request.notification_failure).toBeUndefined();
    expect(resent.json.request.allowed_actions.map((a: { action: string }) => a.action)).not.toContain(
      'resend',
    );
    const mail = await h.smtp.waitFor((m) => m.messageId === `<${id}.denial.c1@llm-key-requestor>`);
    expect(mail.text).toContain('Use the on-prem model');
    const done = await h.settled(id);
    expect(done.history).toContainEqual(
      expect.objectContaining({ action: 'mail-resent', actor: 'admin:root', reason: 'denial mail' }),
    );
    expect((await call('POST', `/api/admin/requests/${id}/resend`, {})).status).toBe(409);
  });

  it('refuses a notification the request has moved on from, and changes nothing', async () => {
    h = await startHarness({ configYaml: CONFIG, env: ADMIN_ENV, startWorker: false });
    const { id } = await submitted('dev@example.com', 'gpt-4');
    const moved = await mustUpdate(h.service.store, await h.request(id), {
      state: 'in-review',
      handledState: 'in-review',
      notificationFailure: failure('approval'),
    });
    const refused = await call('POST', `/api/admin/requests/${id}/resend`, {});
    expect(refused.status).toBe(409);
    expect(refused.json.message).toBe(
      'Cannot re-send: the request is in-review now; its approval mail is no longer due',
    );
    expect(await h.request(id)).toEqual(moved);
    expect(
      (await call('POST', '/api/admin/requests/00000000-0000-0000-0000-000000000000/resend')).status,
    ).toBe(404);
  });
});

describe("the key's spend and budget", () => {
  it('are in the admin detail and the requester view, from LiteLLM, the key only masked', async () => {
    h = await startHarness({ configYaml: CONFIG, env: ADMIN_ENV });
    const { id, token } = await submitted('dev@example.com', 'ollama/llama2');
    const minted = await h.settled(id);
    h.litellm.setSpend(String(minted.keyHash), 3.75);

    const detail = await call('GET', `/api/admin/requests/${id}`);
    expect(detail.json).toMatchObject({
      spend: 3.75,
      max_budget: 25,
      budget_duration: '30d',
      api_key: `sk-…${minted.keyHint}`,
    });
    const mine = await call('GET', `/api/requests/${id}?token=${encodeURIComponent(token)}`, undefined, {
      authorization: '',
    });
    expect(mine.json).toMatchObject({ spend: 3.75, max_budget: 25, budget_duration: '30d' });
    // LiteLLM is asked by the key's hash, never the key itself.
    const infoCalls = h.litellm.calls.filter((c) => c.path === '/key/info');
    expect(infoCalls.at(-1)?.query).toEqual({ key: minted.keyHash });
    const [live] = h.litellm.liveKeys();
    expect(live?.key).toMatch(/^sk-/);
    for (const body of [detail.text, mine.text]) {
      expect(body).not.toContain(live?.key);
    }
    // The list and the token-less view stay without them.
    const listed = await call('GET', '/api/admin/requests?filter=all');
    expect(listed.json[0].spend).toBeUndefined();
    const anyone = await call('GET', `/api/requests/${id}`, undefined, { authorization: '' });
    expect(anyone.json).toEqual({ request_id: id, status: 'approved' });
  });

  it('are left out, within about a second, when LiteLLM does not answer', async () => {
    h = await startHarness({ configYaml: CONFIG, env: ADMIN_ENV });
    const { id, token } = await submitted('dev@example.com', 'ollama/llama2');
    await h.settled(id);
    h.litellm.setDown('hang', { path: '/key/info' });

    for (const path of [
      `/api/admin/requests/${id}`,
      `/api/requests/${id}?token=${encodeURIComponent(token)}`,
    ]) {
      const started = Date.now();
      const answer = await call('GET', path);
      // The client's own timeout is 10 s: an answer well before it was not waiting for LiteLLM.
      expect(Date.now() - started, path).toBeLessThan(5000);
      expect(answer.status, path).toBe(200);
      expect(answer.json, path).toMatchObject({ api_key: expect.stringMatching(/^sk-…/) });
      expect(answer.json.spend, path).toBeUndefined();
      expect(answer.json.max_budget, path).toBeUndefined();
    }
    h.litellm.setDown(null);
  });
});
