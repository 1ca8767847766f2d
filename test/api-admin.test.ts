import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_AUTH,
  ADMIN_ENV,
  type Harness,
  REVIEW_CONFIG,
  startHarness,
} from './support/service-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${h.url}${path}`, {
    method,
    headers: {
      authorization: ADMIN_AUTH,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : null };
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
    it('answers 401 with a Basic challenge without or with wrong credentials, 200 with the right ones', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const none = await fetch(`${h.url}/api/admin/verify`, { method: 'POST' });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
      const wrong = await call('POST', '/api/admin/verify', undefined, {
        authorization: `Basic ${Buffer.from('root:wrong').toString('base64')}`,
      });
      expect(wrong.status).toBe(401);
      expect(wrong.json).toEqual({ message: 'Invalid admin credentials', success: false });
      expect(wrong.text).not.toContain('correct horse');
      const garbage = await call('GET', '/api/admin/requests', undefined, { authorization: 'Bearer x' });
      expect(garbage.status).toBe(401);
      const ok = await call('POST', '/api/admin/verify');
      expect(ok.json).toEqual({ success: true, username: 'root' });
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
      ] as const) {
        const response = await fetch(`${h.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{"reason":"x"}' } : {}),
        });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
      expect((await h.service.store.get(id))?.state).toBe('pending');
    });
  });

  describe('listing', () => {
    it('filters by state, pages with a cursor, and shows keys only masked', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV });
      const review = await submitted('r@example.com', 'gpt-4');
      const approved = await submitted('a@example.com', 'ollama/llama2');
      await h.settled(review);
      const minted = await h.settled(approved);
      // The store keeps only the hash once the key is mailed; LiteLLM has the key itself.
      const fullKey = h.litellm.liveKeys().find((key) => key.token === minted.keyHash)?.key ?? 'no key';

      const all = await call('GET', '/api/admin/requests?filter=all');
      expect(all.json.requests.map((r: { request_id: string }) => r.request_id)).toEqual([approved, review]);
      expect(all.text).not.toContain(fullKey);
      expect(all.json.requests[0]).toMatchObject({
        email: 'a@example.com',
        model: 'ollama/llama2',
        status: 'approved',
        api_key: `sk-…${fullKey.slice(-4)}`,
        attempts: 0,
      });

      const inReview = await call('GET', '/api/admin/requests?filter=review');
      expect(inReview.json.requests.map((r: { status: string }) => r.status)).toEqual(['in-review']);

      const first = await call('GET', '/api/admin/requests?limit=1');
      expect(first.json.requests).toHaveLength(1);
      const second = await call('GET', `/api/admin/requests?limit=1&cursor=${first.json.next_cursor}`);
      expect(second.json.requests[0].request_id).toBe(review);
      expect(second.json.next_cursor).toBeNull();

      const one = await call('GET', `/api/admin/requests/${approved}`);
      expect(one.json.request_id).toBe(approved);
      expect(one.text).not.toContain(fullKey);
    });

    it('rejects a bad filter or limit with 422 and answers 404 for an unknown id', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      expect((await call('GET', '/api/admin/requests?filter=everything')).status).toBe(422);
      expect((await call('GET', '/api/admin/requests?limit=0')).status).toBe(422);
      expect((await call('GET', '/api/admin/requests?limit=abc')).status).toBe(422);
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
        request: { request_id: id, status: 'approved', reason: 'Approved by an administrator' },
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
      expect(denied.json.request).toMatchObject({ status: 'denied', reason: 'Use the small model' });
      const mail = await h.smtp.waitFor((m) => m.subject === 'API Key Request Denied for gpt-4');
      expect(mail.text).toContain('Use the small model');
    });

    it('revokes an approved request: the key is deleted on LiteLLM and the requester told', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV });
      const id = await submitted('dev@example.com', 'ollama/llama2');
      await h.settled(id);
      expect(h.litellm.liveKeys()).toHaveLength(1);
      const revoked = await call('POST', `/api/admin/requests/${id}/revoke`, { reason: 'Left the team' });
      expect(revoked.json.request.status).toBe('revoked');
      await h.settled(id);
      expect(h.litellm.liveKeys()).toHaveLength(0);
      await h.smtp.waitFor((m) => m.messageId === `<${id}.revocation.c1@llm-key-requestor>`);
    });

    it('refuses transitions the state does not allow with 409, and missing reasons with 422', async () => {
      h = await startHarness({ configYaml: REVIEW_CONFIG, env: ADMIN_ENV, startWorker: false });
      const id = await submitted('dev@example.com', 'gpt-4');
      const revokePending = await call('POST', `/api/admin/requests/${id}/revoke`, { reason: 'x' });
      expect(revokePending.status).toBe(409);
      expect(revokePending.json.message).toMatch(/Cannot revoke a request that is pending/);
      expect((await call('POST', `/api/admin/requests/${id}/deny`, {})).status).toBe(422);
      expect((await call('POST', `/api/admin/requests/${id}/deny`, { reason: '   ' })).status).toBe(422);
      expect((await call('POST', `/api/admin/requests/${id}/deny`, { reason: 'x', extra: 1 })).status).toBe(
        422,
      );
      expect((await h.service.store.get(id))?.state).toBe('pending');
      await call('POST', `/api/admin/requests/${id}/deny`, { reason: 'no' });
      const again = await call('POST', `/api/admin/requests/${id}/deny`, { reason: 'still no' });
      expect(again.status).toBe(409);
      expect(again.json.message).toBe(
        'Cannot deny a request that is denied; allowed from: pending, in-review',
      );
      // Approving a denied request re-issues it: a new cycle.
      const reissued = await call('POST', `/api/admin/requests/${id}/approve`, {});
      expect(reissued.status).toBe(200);
      expect(reissued.json.request).toMatchObject({ status: 'approved', cycle: 2 });
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
