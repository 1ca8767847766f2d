import { afterEach, describe, expect, it } from 'vitest';
import { adminRequest } from './support/admin-http.js';
import {
  ADMIN_AUTH,
  ADMIN_ENV,
  type Harness,
  REVIEW_CONFIG,
  startHarness,
} from './support/service-harness.js';
import { waitUntil } from './support/wait.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return adminRequest(h.url, method, path, body, headers);
}

async function submitted(email: string, model: string): Promise<string> {
  return String((await h.submit(email, model)).body.request_id);
}

describe('admin API', () => {
  it('is off (404) without admin credentials', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, startWorker: false });
    expect((await call('POST', '/api/admin/verify')).status).toBe(404);
    expect((await call('GET', '/api/admin/requests')).status).toBe(404);
  });

  describe('authentication', () => {
    it("answers 401 with a Basic challenge and the original service's texts, 200 with the right credentials", async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const none = await fetch(`${h.url}/api/admin/verify`, { method: 'POST' });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(await none.json()).toEqual({
        detail: 'Not authenticated',
        message: 'Not authenticated',
        success: false,
      });
      const wrong = await call('POST', '/api/admin/verify', undefined, {
        authorization: `Basic ${Buffer.from('root:wrong').toString('base64')}`,
      });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual({
        detail: 'Invalid credentials',
        message: 'Invalid credentials',
        success: false,
      });
      expect(wrong.text).not.toContain('correct horse');
      const bearer = await call('GET', '/api/admin/requests', undefined, { authorization: 'Bearer x' });
      expect([bearer.status, bearer.json.detail]).toEqual([401, 'Not authenticated']);
      for (const authorization of ['Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
        const malformed = await call('GET', '/api/admin/requests', undefined, { authorization });
        expect([malformed.status, malformed.json.detail]).toEqual([
          401,
          'Invalid authentication credentials',
        ]);
        expect(malformed.headers.get('www-authenticate')).toMatch(/^Basic/);
      }
      const ok = await call('POST', '/api/admin/verify');
      expect(ok.json).toEqual({ authenticated: true, username: 'root' });
    });

    it('guards every admin route', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const id = await submitted('a@example.com', 'gpt-4');
      for (const [method, path] of [
        ['GET', '/api/admin/requests'],
        ['GET', `/api/admin/requests/${id}`],
        ['POST', `/api/admin/requests/${id}/approve`],
        ['POST', `/api/admin/requests/${id}/deny`],
        ['POST', `/api/admin/requests/${id}/revoke`],
        ['POST', `/api/admin/requests/${id}/resend`],
        ['GET', '/api/admin/stats'],
      ] as const) {
        const response = await fetch(`${h.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{"reason":"x"}' } : {}),
        });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
      // As submitted: parked for review by the chain, in the creating write.
      expect((await h.service.store.get(id))?.state).toBe('in-review');
    });
  });

  describe('listing', () => {
    it('answers a bare array, filters by state (pending by default) and shows keys only masked', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV });
      const review = await submitted('r@example.com', 'gpt-4');
      const approved = await submitted('a@example.com', 'ollama/llama2');
      await h.settled(review);
      const minted = await h.settled(approved);
      // The store keeps only the hash once the key is mailed; LiteLLM has the key itself.
      const fullKey = h.litellm.liveKeys().find((key) => key.token === minted.keyHash)?.key ?? 'no key';
      await h.service.worker.stop();
      const pending = (await h.service.store.create({ email: 'p@example.com', model: 'gpt-4' })).request.id;

      const all = await call('GET', '/api/admin/requests?filter=all');
      expect(all.json.map((r: { request_id: string }) => r.request_id)).toEqual([pending, approved, review]);
      expect(all.headers.get('link')).toBeNull();
      expect(all.text).not.toContain(fullKey);
      expect(all.json[1]).toMatchObject({
        email: 'a@example.com',
        model: 'ollama/llama2',
        state: 'approved',
        api_key: `sk-…${fullKey.slice(-4)}`,
        attempts: 0,
      });
      expect(all.json[0]).toMatchObject({ state: 'pending', api_key: null });

      const byDefault = await call('GET', '/api/admin/requests');
      expect(byDefault.json.map((r: { request_id: string }) => r.request_id)).toEqual([pending]);
      const inReview = await call('GET', '/api/admin/requests?filter=review');
      expect(inReview.json.map((r: { state: string }) => r.state)).toEqual(['in-review']);
      for (const unknown of ['everything', 'in-review', 'Pending', '']) {
        const answer = await call('GET', `/api/admin/requests?filter=${unknown}`);
        expect(answer.json, unknown).toHaveLength(3);
      }

      const one = await call('GET', `/api/admin/requests/${approved}`);
      expect(one.json).toMatchObject({ request_id: approved, state: 'approved' });
      expect(one.text).not.toContain(fullKey);
    });

    it('pages with limit, the next page named by a Link header', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const ids: string[] = [];
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
        ids.unshift((await h.service.store.create({ email, model: 'gpt-4' })).request.id);
      }
      const seen: string[] = [];
      let next: string | null = '/api/admin/requests?filter=all&limit=2';
      let pages = 0;
      while (next !== null) {
        const page = await call('GET', next);
        expect(page.status).toBe(200);
        seen.push(...page.json.map((r: { request_id: string }) => r.request_id));
        const link = page.headers.get('link');
        next = link === null ? null : (/^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? 'unparsable');
        pages++;
      }
      expect(pages).toBe(2);
      expect(seen).toEqual(ids);
    });

    it('answers up to 1000 requests without limit, then names the rest in a Link header', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      for (let i = 0; i < 1002; i++) {
        await h.service.store.create({ email: `user${i}@example.com`, model: 'gpt-4' });
      }
      const first = await call('GET', '/api/admin/requests');
      expect(first.json).toHaveLength(1000);
      const link = first.headers.get('link') ?? '';
      expect(link).toMatch(/^<\/api\/admin\/requests\?filter=pending&cursor=[^>]+>; rel="next"$/);
      const rest = await call('GET', /^<([^>]+)>/.exec(link)?.[1] ?? '');
      expect(rest.json.map((r: { email: string }) => r.email)).toEqual([
        'user1@example.com',
        'user0@example.com',
      ]);
      expect(rest.headers.get('link')).toBeNull();
    });

    it('narrows by q and expired, orders by sort, and keeps both in the Link header', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const create = async (email: string, model: string) =>
        (await h.service.store.create({ email, model })).request;
      const ann = await create('ann@example.com', 'gpt-4');
      const bob = await create('bob@example.com', 'gpt-4');
      const annLlama = await create('ann@example.com', 'ollama/llama2');
      // The change must get a later timestamp than the creations, for the order by change.
      await waitUntil(() => new Date().toISOString() > annLlama.updatedAt, { what: 'the clock to move on' });
      await h.service.store.update(ann.id, ann.version, { state: 'expired', handledState: 'expired' });
      const ids = (answer: { json: { request_id: string }[] }) => answer.json.map((r) => r.request_id);

      const expired = await call('GET', '/api/admin/requests?filter=expired');
      expect(ids(expired)).toEqual([ann.id]);
      expect(expired.json[0]).toMatchObject({ state: 'expired', cycle: 1, api_key: null });
      expect(ids(await call('GET', '/api/admin/requests?filter=all&q=ANN'))).toEqual([annLlama.id, ann.id]);
      expect(ids(await call('GET', '/api/admin/requests?filter=all&q=llama'))).toEqual([annLlama.id]);
      expect(ids(await call('GET', `/api/admin/requests?filter=all&q=${bob.id}`))).toEqual([bob.id]);
      expect(ids(await call('GET', '/api/admin/requests?filter=all&sort=created_at'))).toEqual([
        ann.id,
        bob.id,
        annLlama.id,
      ]);
      // ann's was changed last, after every creation.
      expect(ids(await call('GET', '/api/admin/requests?filter=all&sort=-updated_at'))[0]).toBe(ann.id);

      const first = await call('GET', '/api/admin/requests?filter=all&q=ann&sort=created_at&limit=1');
      expect(ids(first)).toEqual([ann.id]);
      const link = first.headers.get('link') ?? '';
      expect(link).toMatch(
        /^<\/api\/admin\/requests\?filter=all&limit=1&q=ann&sort=created_at&cursor=[^>]+>; rel="next"$/,
      );
      const second = await call('GET', /^<([^>]+)>/.exec(link)?.[1] ?? '');
      expect(ids(second)).toEqual([annLlama.id]);
      expect(second.headers.get('link')).toBeNull();

      for (const bad of ['sort=newest', `q=${'x'.repeat(255)}`]) {
        expect((await call('GET', `/api/admin/requests?${bad}`)).status, bad).toBe(422);
      }
    });

    it('rejects a bad limit with 422 and answers 404 for an unknown id', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      for (const limit of ['0', 'abc', '1001']) {
        expect((await call('GET', `/api/admin/requests?limit=${limit}`)).status, limit).toBe(422);
      }
      expect((await call('GET', '/api/admin/requests/00000000-0000-0000-0000-000000000000')).status).toBe(
        404,
      );
    });
  });

  describe('decisions', () => {
    it('approves an in-review request; the worker then mints and mails the key', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV });
      const id = await submitted('dev@example.com', 'gpt-4');
      await h.settled(id);
      const approved = await call('POST', `/api/admin/requests/${id}/approve`, {});
      expect(approved.status).toBe(200);
      expect(approved.json).toMatchObject({
        success: true,
        message: `Request ${id} approved successfully`,
        request: { request_id: id, state: 'approved', reason: 'Approved by an administrator' },
      });
      const done = await h.settled(id);
      const [key] = h.litellm.liveKeys();
      expect(key?.token).toBe(done.keyHash);
      // The requester is told "an administrator"; admins see who in the history.
      const detail = await call('GET', `/api/admin/requests/${id}`);
      expect(detail.json.history.map((entry: { actor: string }) => entry.actor)).toContain('admin:root');
      const mail = await h.smtp.waitFor((m) => m.subject === 'API Key Approved for gpt-4');
      expect(mail.text).toContain(key?.key);
    });

    it('denies with the given reason and mails it', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV });
      const id = await submitted('dev@example.com', 'gpt-4');
      await h.settled(id);
      const denied = await call('POST', `/api/admin/requests/${id}/deny`, { reason: 'Use the small model' });
      expect(denied.json).toMatchObject({
        message: `Request ${id} denied successfully`,
        request: { state: 'denied', reason: 'Use the small model' },
      });
      const mail = await h.smtp.waitFor((m) => m.subject === 'API Key Request Denied for gpt-4');
      expect(mail.text).toContain('Use the small model');
    });

    it('revokes an approved request: the key is deleted on LiteLLM and the requester told', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV });
      const id = await submitted('dev@example.com', 'ollama/llama2');
      await h.settled(id);
      expect(h.litellm.liveKeys()).toHaveLength(1);
      const revoked = await call('POST', `/api/admin/requests/${id}/revoke`, { reason: 'Left the team' });
      expect(revoked.json.request.state).toBe('revoked');
      await h.settled(id);
      expect(h.litellm.liveKeys()).toHaveLength(0);
      await h.smtp.waitFor((m) => m.messageId === `<${id}.revocation.c1@llm-key-requestor>`);
    });

    it('refuses transitions the state does not allow with 409, and missing reasons with 422', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const id = await submitted('dev@example.com', 'gpt-4');
      const revokeParked = await call('POST', `/api/admin/requests/${id}/revoke`, { reason: 'x' });
      expect(revokeParked.status).toBe(409);
      expect(revokeParked.json.message).toMatch(/Cannot revoke a request that is in-review/);
      expect((await call('POST', `/api/admin/requests/${id}/deny`, {})).status).toBe(422);
      expect((await call('POST', `/api/admin/requests/${id}/deny`, { reason: '   ' })).status).toBe(422);
      expect((await call('POST', `/api/admin/requests/${id}/deny`, { reason: 'x', extra: 1 })).status).toBe(
        422,
      );
      expect((await h.service.store.get(id))?.state).toBe('in-review');
      await call('POST', `/api/admin/requests/${id}/deny`, { reason: 'no' });
      const again = await call('POST', `/api/admin/requests/${id}/deny`, { reason: 'still no' });
      expect(again.status).toBe(409);
      expect(again.json.message).toBe(
        'Cannot deny a request that is denied; allowed from: pending, in-review',
      );
      // Approving a denied request re-issues it: a new cycle.
      const reissued = await call('POST', `/api/admin/requests/${id}/approve`, {});
      expect(reissued.status).toBe(200);
      expect(reissued.json.request).toMatchObject({ state: 'approved', cycle: 2 });
      expect(
        (await call('POST', '/api/admin/requests/00000000-0000-0000-0000-000000000000/approve', {})).status,
      ).toBe(404);
    });
  });

  describe('CORS', () => {
    it('never answers admin routes cross-origin under CORS_ORIGINS=*, but does for public routes', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const origin = { origin: 'https://evil.example.com' };
      const admin = await fetch(`${h.url}/api/admin/requests`, {
        headers: { ...origin, authorization: ADMIN_AUTH },
      });
      expect(admin.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${h.url}/api/admin/verify`, {
        method: 'OPTIONS',
        headers: {
          ...origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const models = await fetch(`${h.url}/api/models`, { headers: origin });
      expect(models.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('answers admin routes for a listed origin only', async () => {
      h = await startHarness({
        configYaml: REVIEW_CONFIG,
        env: { ...ADMIN_ENV, CORS_ORIGINS: 'https://console.example.com' },
        startWorker: false,
      });
      const listed = await fetch(`${h.url}/api/admin/requests`, {
        headers: { origin: 'https://console.example.com', authorization: ADMIN_AUTH },
      });
      expect(listed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
      const other = await fetch(`${h.url}/api/admin/requests`, {
        headers: { origin: 'https://evil.example.com', authorization: ADMIN_AUTH },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
