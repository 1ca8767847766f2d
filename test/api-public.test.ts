import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLiteLlm } from './support/fake-litellm.js';
import { type Harness, startHarness } from './support/service-harness.js';

let h: Harness;

async function totalRequests(): Promise<number> {
  const stats = await h.service.store.stats();
  return Object.values(stats.byState).reduce((sum, n) => sum + n, 0);
}

async function post(body: string, contentType = 'application/json') {
  const response = await fetch(`${h.url}/api/request-key`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, json: safeJson(text) as Record<string, unknown> };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

describe('public API', () => {
  beforeEach(async () => {
    h = await startHarness({ startWorker: false });
  });
  afterEach(async () => {
    await h.close();
  });

  describe('status endpoints', () => {
    it('GET / answers the status JSON', async () => {
      const response = await fetch(`${h.url}/`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message: 'LLM Key Requestor API', status: 'active' });
    });

    it('GET /health and GET /ready answer 200', async () => {
      expect(await (await fetch(`${h.url}/health`)).json()).toEqual({ status: 'healthy' });
      const ready = await fetch(`${h.url}/ready`);
      expect(ready.status).toBe(200);
    });

    it('tags every response with a request id', async () => {
      const response = await fetch(`${h.url}/health`, { headers: { 'x-request-id': 'trace-123' } });
      expect(response.headers.get('x-request-id')).toBe('trace-123');
      const odd = await fetch(`${h.url}/health`, { headers: { 'x-request-id': 'bad id\twith tabs' } });
      expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('serves Swagger UI and an OpenAPI document with every response code', async () => {
      const docs = await fetch(`${h.url}/docs`, { redirect: 'follow' });
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger');
      const spec = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
      };
      const submit = spec.paths['/api/request-key']?.post;
      expect(submit?.operationId).toBe('requestKey');
      expect(Object.keys(submit?.responses ?? {}).sort()).toEqual([
        '200',
        '400',
        '413',
        '415',
        '422',
        '429',
        '503',
      ]);
      expect(Object.keys(spec.paths['/api/requests/{request_id}']?.get?.responses ?? {}).sort()).toEqual([
        '200',
        '404',
        '422',
        '503',
      ]);
      expect(spec.paths['/api/models']?.get?.operationId).toBe('listModels');
    });

    it('exposes Prometheus metrics for requests, the queue and HTTP routes', async () => {
      await h.submit('alice@example.com', 'gpt-4');
      const response = await fetch(`${h.url}/metrics`);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^llm_key_requestor_requests\{state="pending"\} 1$/m);
      expect(text).toMatch(/^llm_key_requestor_queue_depth 1$/m);
      expect(text).toMatch(
        /llm_key_requestor_http_request_duration_seconds_count\{[^}]*route="\/api\/request-key"/,
      );
      expect(text).not.toContain('alice');
    });

    it('answers unknown routes with 404 JSON', async () => {
      const response = await fetch(`${h.url}/api/nope`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ success: false });
    });
  });

  describe('GET /api/models', () => {
    it('lists the configured models without their key settings', async () => {
      const body = (await (await fetch(`${h.url}/api/models`)).json()) as {
        models: Record<string, unknown>[];
      };
      expect(body.models.map((m) => m.id)).toEqual(['gpt-4', 'ollama/llama2', 'claude-3', 'mistral-7b']);
      expect(body.models[3]).toEqual({ id: 'mistral-7b', title: 'Mistral 7B', featured: true });
    });

    it('answers with an ETag, and a 304 to a client that holds that answer', async () => {
      const first = await fetch(`${h.url}/api/models`);
      const body = await first.text();
      const etag = first.headers.get('etag');
      expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(etag).toMatch(/^"[\w-]{22}"$/);
      const again = await fetch(`${h.url}/api/models`);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe(body);
      const held = await fetch(`${h.url}/api/models`, { headers: { 'if-none-match': String(etag) } });
      expect(held.status).toBe(304);
      expect(await held.text()).toBe('');
      const featured = await fetch(`${h.url}/api/featured-models`, {
        headers: { 'if-none-match': String(etag) },
      });
      expect(featured.status).toBe(200);
    });

    it('lists featured models', async () => {
      const body = (await (await fetch(`${h.url}/api/featured-models`)).json()) as {
        models: { id: string }[];
      };
      expect(body.models.map((m) => m.id)).toEqual(['mistral-7b']);
    });
  });

  describe('POST /api/request-key', () => {
    it('creates a pending request and hands out its token and page', async () => {
      const { status, body } = await h.submit('  Alice@Example.COM ', 'gpt-4');
      expect(status).toBe(200);
      expect(body).toEqual({
        message: expect.any(String),
        success: true,
        request_id: expect.any(String),
        status: 'pending',
        token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        url: expect.stringMatching(/^http:\/\/localhost:\d+\/requests\/[0-9a-f-]+\?token=[A-Za-z0-9_-]{43}$/),
      });
      expect(String(body.url)).toContain(`/requests/${String(body.request_id)}?token=${String(body.token)}`);
      const stored = await h.service.store.get(String(body.request_id));
      expect(stored).toMatchObject({
        email: 'alice@example.com',
        notifyEmail: 'Alice@Example.COM',
        model: 'gpt-4',
        state: 'pending',
      });
    });

    it('answers an existing request neutrally: no id, no token, no state', async () => {
      const first = await h.submit('alice@example.com', 'gpt-4');
      const again = await h.submit(' ALICE@example.com', 'gpt-4');
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ message: expect.any(String), success: true, request_id: null });
      expect(again.body.message).not.toBe(first.body.message);
      expect(await totalRequests()).toBe(1);
    });

    it('counts me+tag@x and me@x as one requester for one model', async () => {
      await h.submit('me+one@example.com', 'gpt-4');
      const again = await h.submit('Me+Two@example.com', 'gpt-4');
      expect(again.body.request_id).toBeNull();
      expect(await totalRequests()).toBe(1);
    });

    it('keeps one request per model for the same person', async () => {
      const a = await h.submit('alice@example.com', 'gpt-4');
      const b = await h.submit('alice@example.com', 'claude-3');
      expect(a.body.request_id).not.toBe(b.body.request_id);
    });

    it("gives the same answer whatever the existing request's state, and says nothing about it", async () => {
      const first = await h.submit('alice@example.com', 'gpt-4');
      const pendingAnswer = (await h.submit('alice@example.com', 'gpt-4')).body;
      const stored = await h.request(String(first.body.request_id));
      await h.service.store.update(stored.id, stored.version, {
        state: 'denied',
        reason: 'Budget exhausted for this team',
      });
      const deniedAnswer = (await h.submit('alice@example.com', 'gpt-4')).body;
      expect(deniedAnswer).toEqual(pendingAnswer);
      expect(JSON.stringify(deniedAnswer)).not.toContain('Budget');
    });

    it('schedules one link mail an hour for a request that cannot start over', async () => {
      const first = await h.submit('alice@example.com', 'gpt-4');
      await h.submit('alice@example.com', 'gpt-4');
      const scheduled = await h.request(String(first.body.request_id));
      expect(scheduled.linkMail).toEqual({ hour: Math.floor(Date.now() / 3_600_000) });
      await h.submit('alice@example.com', 'gpt-4');
      expect((await h.request(scheduled.id)).version).toBe(scheduled.version);
    });

    it('starts a new cycle of an expired request', async () => {
      const first = await h.submit('alice@example.com', 'gpt-4');
      const stored = await h.request(String(first.body.request_id));
      await h.service.store.update(stored.id, stored.version, { state: 'expired', handledState: 'expired' });
      const again = await h.submit('alice@example.com', 'gpt-4');
      expect(again.body.request_id).toBeNull();
      expect(await h.request(stored.id)).toMatchObject({ state: 'pending', cycle: 2 });
    });

    it('takes the portal language, and refuses one that is not a language tag', async () => {
      const response = await post(
        JSON.stringify({ email: 'a@example.com', llm: 'gpt-4', language: 'de-DE' }),
      );
      expect(response.status).toBe(200);
      expect((await h.request(String(response.json.request_id))).language).toBe('de');
      const bad = await post(JSON.stringify({ email: 'b@example.com', llm: 'gpt-4', language: '<script>' }));
      expect(bad.status).toBe(422);
      expect(await totalRequests()).toBe(1);
    });
  });

  describe('GET /api/requests/{id}', () => {
    async function approvedRequest() {
      const { body } = await h.submit('alice@example.com', 'gpt-4');
      const id = String(body.request_id);
      const stored = await h.request(id);
      await h.service.store.update(id, stored.version, {
        state: 'approved',
        reason: 'ok',
        apiKey: 'sk-secret-value',
        keyHint: 'alue',
        append: [{ actor: 'admin:root', action: 'approved', from: 'pending', to: 'approved', reason: 'ok' }],
      });
      return { id, token: String(body.token), stored };
    }

    it('shows only the id and state without the token, or with a wrong one', async () => {
      const { id } = await approvedRequest();
      for (const query of ['', '?token=', `?token=${'A'.repeat(43)}`, '?token=not-even-close']) {
        const response = await fetch(`${h.url}/api/requests/${id}${query}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ request_id: id, status: 'approved' });
      }
    });

    it("shows the requester's view with the token: never the email, the key or an admin's name", async () => {
      const { id, token, stored } = await approvedRequest();
      const response = await fetch(`${h.url}/api/requests/${id}?token=${token}`);
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(JSON.parse(text)).toEqual({
        request_id: id,
        model: 'gpt-4',
        status: 'approved',
        reason: 'ok',
        created_at: stored.createdAt,
        updated_at: expect.any(String),
        expires_at: null,
        cycle: 1,
        history: [
          expect.objectContaining({ actor: 'requester', action: 'created' }),
          expect.objectContaining({ actor: 'admin', action: 'approved' }),
        ],
        api_key: 'sk-…alue',
        can_renew: false,
        can_revoke: true,
      });
      expect(text).not.toContain('sk-secret-value');
      expect(text).not.toContain('alice');
      expect(text).not.toContain('root');
    });

    it('answers 404 for an unknown id and 422 for a malformed one', async () => {
      const missing = await fetch(`${h.url}/api/requests/00000000-0000-0000-0000-000000000000`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({
        success: false,
        message: expect.stringContaining('No key request'),
      });
      const malformed = await fetch(`${h.url}/api/requests/${encodeURIComponent('../etc/passwd')}`);
      expect(malformed.status).toBe(422);
    });
  });

  describe('POST /api/requests/{id}/renew and /revoke', () => {
    const act = (id: string, action: string, token?: string) =>
      fetch(`${h.url}/api/requests/${id}/${action}${token === undefined ? '' : `?token=${token}`}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });

    it('answer 404 without the right token, changing nothing', async () => {
      const { body } = await h.submit('alice@example.com', 'gpt-4');
      const other = await h.submit('bob@example.com', 'gpt-4');
      const id = String(body.request_id);
      const before = await h.request(id);
      for (const action of ['renew', 'revoke']) {
        expect((await act(id, action)).status).toBe(404);
        expect((await act(id, action, String(other.body.token))).status).toBe(404);
      }
      expect(await h.request(id)).toEqual(before);
    });

    it('answer 409 naming the allowed states when the request does not allow it', async () => {
      const { body } = await h.submit('alice@example.com', 'gpt-4');
      const renew = await act(String(body.request_id), 'renew', String(body.token));
      expect(renew.status).toBe(409);
      expect(((await renew.json()) as { message: string }).message).toMatch(
        /^Cannot renew a request that is pending/,
      );
      expect((await act(String(body.request_id), 'revoke', String(body.token))).status).toBe(409);
    });

    it('revoke a live key and renew the revoked request, as the requester', async () => {
      const { body } = await h.submit('alice@example.com', 'gpt-4');
      const id = String(body.request_id);
      const stored = await h.request(id);
      await h.service.store.update(id, stored.version, { state: 'approved', keyHash: 'f'.repeat(64) });
      const revoked = await act(id, 'revoke', String(body.token));
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ status: 'revoked', can_renew: true, can_revoke: false });
      const renewed = await act(id, 'renew', String(body.token));
      expect(await renewed.json()).toMatchObject({ status: 'pending', cycle: 2 });
      expect((await h.request(id)).history.map((entry) => `${entry.action}:${entry.actor}`)).toEqual([
        'created:requester',
        'revoked:requester',
        'renewal-requested:requester',
      ]);
    });

    it('refuse a body that is not an empty object', async () => {
      const { body } = await h.submit('alice@example.com', 'gpt-4');
      const response = await fetch(
        `${h.url}/api/requests/${String(body.request_id)}/renew?token=${String(body.token)}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"cycle": 99}',
        },
      );
      expect(response.status).toBe(422);
    });
  });

  describe('bad input gets a clear 4xx and changes nothing', () => {
    const cases: [string, string, string, number, (body: Record<string, unknown>) => void][] = [
      [
        'malformed JSON',
        '{"email": "a@example.com", "llm": ',
        'application/json',
        400,
        (b) => {
          expect(b.message).toMatch(/not valid JSON/);
        },
      ],
      ['empty body', '', 'application/json', 400, (b) => expect(b.message).toMatch(/empty/)],
      [
        'wrong content type',
        'email=a@example.com&llm=gpt-4',
        'application/x-www-form-urlencoded',
        415,
        (b) => {
          expect(b.message).toMatch(/application\/json/);
        },
      ],
      ['plain text', 'hello', 'text/plain', 415, (b) => expect(b.message).toMatch(/content type/i)],
      [
        'missing email',
        '{"llm":"gpt-4"}',
        'application/json',
        422,
        (b) => {
          expect(b.detail).toEqual([{ loc: ['body', 'email'], msg: 'Field required', type: 'missing' }]);
        },
      ],
      [
        'missing both',
        '{}',
        'application/json',
        422,
        (b) => {
          expect((b.detail as { loc: string[] }[]).map((d) => d.loc[1]).sort()).toEqual(['email', 'llm']);
        },
      ],
      [
        'extra field',
        '{"email":"a@example.com","llm":"gpt-4","admin":true}',
        'application/json',
        422,
        (b) => {
          expect(b.detail).toEqual([
            { loc: ['body', 'admin'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
          ]);
        },
      ],
      [
        'number instead of string',
        '{"email":42,"llm":"gpt-4"}',
        'application/json',
        422,
        (b) => {
          expect(b.detail).toEqual([
            { loc: ['body', 'email'], msg: 'Input should be a valid string', type: 'string_type' },
          ]);
        },
      ],
      [
        'array instead of string',
        '{"email":["a@example.com"],"llm":"gpt-4"}',
        'application/json',
        422,
        (b) => {
          expect((b.detail as { type: string }[])[0]?.type).toBe('string_type');
        },
      ],
      [
        'JSON array body',
        '["a@example.com","gpt-4"]',
        'application/json',
        422,
        (b) => {
          expect((b.detail as { loc: string[] }[])[0]?.loc).toEqual(['body']);
        },
      ],
      [
        'email without domain',
        '{"email":"alice","llm":"gpt-4"}',
        'application/json',
        422,
        (b) => {
          expect(b.detail).toEqual([
            {
              loc: ['body', 'email'],
              msg: expect.stringContaining('not a valid email'),
              type: 'value_error',
            },
          ]);
        },
      ],
      [
        'email with a space',
        '{"email":"al ice@example.com","llm":"gpt-4"}',
        'application/json',
        422,
        (b) => {
          expect(JSON.stringify(b.detail)).toContain('spaces');
        },
      ],
      [
        'email with CR/LF',
        '{"email":"a@example.com\\r\\nBcc: x@example.com","llm":"gpt-4"}',
        'application/json',
        422,
        (b) => expect(JSON.stringify(b.detail)).toContain('email'),
      ],
      [
        'email over 254 characters',
        JSON.stringify({ email: `${'a'.repeat(60)}@${'b'.repeat(200)}.com`, llm: 'gpt-4' }),
        'application/json',
        422,
        (b) => expect(JSON.stringify(b.detail)).toContain('email'),
      ],
      [
        'unknown model',
        '{"email":"a@example.com","llm":"gpt-5-turbo"}',
        'application/json',
        422,
        (b) => {
          expect(b.detail).toEqual([
            {
              loc: ['body', 'llm'],
              msg: expect.stringContaining('Unknown model "gpt-5-turbo"'),
              type: 'value_error',
            },
          ]);
        },
      ],
      [
        'model id with odd characters',
        '{"email":"a@example.com","llm":"gpt 4; drop"}',
        'application/json',
        422,
        (b) => {
          expect((b.detail as { type: string }[])[0]?.type).toBe('string_pattern_mismatch');
        },
      ],
      [
        '__proto__ key',
        '{"email":"a@example.com","llm":"gpt-4","__proto__":{"admin":true}}',
        'application/json',
        400,
        (b) => expect(b.message).toMatch(/forbidden key/),
      ],
      [
        'constructor key',
        '{"email":"a@example.com","llm":"gpt-4","constructor":{"prototype":{"x":1}}}',
        'application/json',
        400,
        (b) => expect(b.message).toMatch(/forbidden key/),
      ],
      [
        'body over 16 KiB',
        JSON.stringify({ email: 'a@example.com', llm: 'gpt-4', pad: 'x'.repeat(17 * 1024) }),
        'application/json',
        413,
        (b) => expect(b.message).toMatch(/16 KiB/),
      ],
    ];

    it.each(cases)('%s', async (_name, body, contentType, status, check) => {
      const response = await post(body, contentType);
      expect(response.status).toBe(status);
      expect(response.json).not.toBeNull();
      check(response.json);
      expect(await totalRequests()).toBe(0);
      // The process keeps serving.
      expect((await h.submit('ok@example.com', 'gpt-4')).status).toBe(200);
    });
  });

  describe('when the store is unavailable', () => {
    it('answers 503 without writing anything, and /ready reports it', async () => {
      await h.service.store.close();
      const submit = await h.submit('alice@example.com', 'gpt-4');
      expect(submit.status).toBe(503);
      expect(submit.body).toEqual({ message: expect.stringContaining('unavailable'), success: false });
      const status = await fetch(`${h.url}/api/requests/00000000-0000-0000-0000-000000000000`);
      expect(status.status).toBe(503);
      expect((await fetch(`${h.url}/ready`)).status).toBe(503);
      expect((await fetch(`${h.url}/health`)).status).toBe(200);
    });
  });
});

describe('models from the LiteLLM proxy', () => {
  it('merges the proxy models, config winning on duplicate ids, and accepts requests for them', async () => {
    const litellm = await startFakeLiteLlm({
      masterKey: 'sk-master-test',
      models: ['gpt-4', 'extra/model-x'],
    });
    const harness = await startHarness({
      litellm,
      env: { ENABLE_LITELLM_MODELS: 'true' },
      startWorker: false,
    });
    try {
      const body = (await (await fetch(`${harness.url}/api/models`)).json()) as {
        models: Record<string, unknown>[];
      };
      expect(body.models.map((m) => m.id)).toEqual([
        'gpt-4',
        'ollama/llama2',
        'claude-3',
        'mistral-7b',
        'extra/model-x',
      ]);
      expect(body.models[0]?.title).toBe('GPT-4');
      expect((await harness.submit('a@example.com', 'extra/model-x')).status).toBe(200);
    } finally {
      await harness.close();
      await litellm.close();
    }
  });

  it('serves the configured list within a second when the proxy hangs', async () => {
    const litellm = await startFakeLiteLlm({ masterKey: 'sk-master-test', models: ['extra/model-x'] });
    litellm.setDown('hang');
    const harness = await startHarness({
      litellm,
      env: { ENABLE_LITELLM_MODELS: 'true' },
      startWorker: false,
    });
    try {
      const started = Date.now();
      const response = await fetch(`${harness.url}/api/models`);
      const elapsed = Date.now() - started;
      const body = (await response.json()) as { models: { id: string }[] };
      expect(body.models.map((m) => m.id)).toEqual(['gpt-4', 'ollama/llama2', 'claude-3', 'mistral-7b']);
      expect(elapsed).toBeLessThan(2500);
    } finally {
      await harness.close();
      await litellm.close();
    }
  });
});

async function totalOf(harness: Harness): Promise<number> {
  const stats = await harness.service.store.stats();
  return Object.values(stats.byState).reduce((sum, n) => sum + n, 0);
}

describe('persistence', () => {
  it('keeps a request and its token across a restart', async () => {
    const first = await startHarness({ startWorker: false });
    const { body } = await first.submit('alice@example.com', 'gpt-4');
    const dir = first.dir;
    await first.service.close();
    const second = await startHarness({ dir, startWorker: false, litellm: first.litellm, smtp: first.smtp });
    try {
      const again = await second.submit('alice@example.com', 'gpt-4');
      expect(again.body).toMatchObject({ success: true, request_id: null });
      // The token still opens the request: its key is in the store, not in the process.
      const status = await fetch(
        `${second.url}/api/requests/${String(body.request_id)}?token=${String(body.token)}`,
      );
      expect((await status.json()) as { status: string }).toMatchObject({ status: 'pending', cycle: 1 });
      expect(await totalOf(second)).toBe(1);
    } finally {
      await second.close();
      await first.litellm.close();
      await first.smtp.close();
    }
  });
});
