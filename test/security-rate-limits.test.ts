import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_AUTH, ADMIN_ENV, basicAuth, type Harness, startHarness } from './support/service-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MODELS = `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: claude-3, title: Claude 3}
  - {id: mistral-7b, title: Mistral 7B}
litellm: {enable_litellm_models: false}
`;

const GENEROUS = {
  request_key_per_ip: '{max: 1000, window: 1m}',
  new_requests_per_address: '{max: 1000, window: 1h}',
  new_requests_per_domain: '{max: 1000, window: 1h}',
  failed_sign_ins_per_ip: '{max: 1000, window: 15m}',
};

/** Generous limits except the ones a test sets: each test exercises one limit alone. */
function config(limits: Partial<typeof GENEROUS>, extra = ''): string {
  const rows = Object.entries({ ...GENEROUS, ...limits }).map(([key, value]) => `  ${key}: ${value}`);
  return `${MODELS}\nlimits:\n${rows.join('\n')}\n${extra}\n`;
}

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  if (!h) {
    throw new Error('no service');
  }
  const response = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function admin(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  if (!h) {
    throw new Error('no service');
  }
  const response = await fetch(`${h.url}${path}`, { headers });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

const submit = (email: string, llm: string, headers: Record<string, string> = {}) =>
  post('/api/request-key', { email, llm }, headers);

/** A 429 in the service's shape, with a Retry-After no longer than the window. */
function expectRateLimited(
  answer: { status: number; headers: Headers; json: Record<string, unknown> },
  windowSeconds: number,
  message: RegExp,
): void {
  expect(answer.status).toBe(429);
  expect(answer.json).toEqual({ message: expect.stringMatching(message), success: false });
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

async function storedCount(): Promise<number> {
  if (!h) {
    throw new Error('no service');
  }
  return Object.values((await h.service.store.stats()).byState).reduce((sum, count) => sum + count, 0);
}

describe('POST /api/request-key per client IP', () => {
  it('counts every POST, duplicates included, and answers 429 with Retry-After beyond the limit', async () => {
    h = await startHarness({
      configYaml: config({ request_key_per_ip: '{max: 3, window: 1m}' }),
      startWorker: false,
    });
    for (let i = 0; i < 3; i++) {
      expect((await submit('me@example.com', 'gpt-4')).status).toBe(200);
    }
    const limited = await submit('other@example.com', 'claude-3', { origin: 'https://portal.example.net' });
    // A portal on another origin can read the answer (CORS_ORIGINS is `*` here).
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expectRateLimited(
      limited,
      60,
      /^Too many key requests from your network address; try again in \d+ seconds?$/,
    );
    expect(await storedCount()).toBe(1);
  });

  it('ignores X-Forwarded-For unless trust_proxy is set', async () => {
    h = await startHarness({
      configYaml: config({ request_key_per_ip: '{max: 2, window: 1m}' }),
      startWorker: false,
    });
    expect((await submit('a@example.com', 'gpt-4', { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await submit('b@example.com', 'gpt-4', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
    expect((await submit('c@example.com', 'gpt-4', { 'x-forwarded-for': '203.0.113.3' })).status).toBe(429);
  });

  it('tells clients apart by X-Forwarded-For behind a trusted proxy', async () => {
    h = await startHarness({
      configYaml: config({ request_key_per_ip: '{max: 2, window: 1m}' }, 'trust_proxy: 1'),
      startWorker: false,
    });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    expect((await submit('a@example.com', 'gpt-4', from('203.0.113.1'))).status).toBe(200);
    expect((await submit('b@example.com', 'gpt-4', from('203.0.113.1'))).status).toBe(200);
    expect((await submit('c@example.com', 'gpt-4', from('203.0.113.1'))).status).toBe(429);
    // One hop is trusted: the client's own (forged) entries before it do not count.
    expect((await submit('c@example.com', 'gpt-4', from('198.51.100.9, 203.0.113.1'))).status).toBe(429);
    expect((await submit('c@example.com', 'gpt-4', from('203.0.113.2'))).status).toBe(200);
  });
});

describe('new requests per address and per domain', () => {
  it('answers 429 once an address has made its new requests, duplicates of them included', async () => {
    h = await startHarness({
      configYaml: config({ new_requests_per_address: '{max: 2, window: 1h}' }),
      startWorker: false,
    });
    expect((await submit('me@example.com', 'gpt-4')).status).toBe(200);
    expect((await submit('Me@Example.com', 'claude-3')).status).toBe(200);
    expectRateLimited(
      await submit('me@example.com', 'mistral-7b'),
      3600,
      /^Too many new key requests for this email address; try again in 60 minutes$/,
    );
    // The same answer whether or not the request exists: a 429 tells nothing about that.
    expect((await submit('me@example.com', 'gpt-4')).status).toBe(429);
    expect((await submit('you@example.com', 'mistral-7b')).status).toBe(200);
    expect(await storedCount()).toBe(3);
  });

  it('counts the canonical address: me+1@ and me+2@ are one address under email.ignore_plus_tags', async () => {
    h = await startHarness({
      configYaml: config({ new_requests_per_address: '{max: 1, window: 1h}' }),
      startWorker: false,
    });
    expect((await submit('me+1@example.com', 'gpt-4')).status).toBe(200);
    expectRateLimited(
      await submit('Me+2@example.com', 'claude-3'),
      3600,
      /^Too many new key requests for this email address/,
    );
    expect(await storedCount()).toBe(1);
  });

  it('counts tagged addresses apart when email.ignore_plus_tags is off', async () => {
    h = await startHarness({
      configYaml: config(
        { new_requests_per_address: '{max: 1, window: 1h}' },
        'email: {ignore_plus_tags: false}',
      ),
      startWorker: false,
    });
    expect((await submit('me+1@example.com', 'gpt-4')).status).toBe(200);
    expect((await submit('me+2@example.com', 'claude-3')).status).toBe(200);
    expect((await submit('me+2@example.com', 'mistral-7b')).status).toBe(429);
  });

  it('counts a POST that renews an expired request like a new one', async () => {
    h = await startHarness({
      configYaml: config({ new_requests_per_address: '{max: 2, window: 1h}' }),
      startWorker: false,
    });
    const first = await submit('me@example.com', 'gpt-4');
    const stored = await h.request(String(first.json.request_id));
    await h.service.store.update(stored.id, stored.version, { state: 'expired', handledState: 'expired' });
    expect((await submit('me@example.com', 'gpt-4')).status).toBe(200);
    expect(await h.request(stored.id)).toMatchObject({ state: 'pending', cycle: 2 });
    expect((await submit('me@example.com', 'claude-3')).status).toBe(429);
  });

  it('does not count a POST that finds an existing request', async () => {
    h = await startHarness({
      configYaml: config({ new_requests_per_address: '{max: 2, window: 1h}' }),
      startWorker: false,
    });
    for (let i = 0; i < 4; i++) {
      expect((await submit('me@example.com', 'gpt-4')).status).toBe(200);
    }
    expect((await submit('me@example.com', 'claude-3')).status).toBe(200);
  });

  it('answers 429 once a domain has made its new requests', async () => {
    h = await startHarness({
      configYaml: config({ new_requests_per_domain: '{max: 2, window: 1h}' }),
      startWorker: false,
    });
    expect((await submit('a@example.com', 'gpt-4')).status).toBe(200);
    expect((await submit('b@example.com', 'gpt-4')).status).toBe(200);
    expectRateLimited(
      await submit('c@example.com', 'gpt-4'),
      3600,
      /^Too many new key requests for this email domain/,
    );
    expect((await submit('c@example.org', 'gpt-4')).status).toBe(200);
    expect(await storedCount()).toBe(3);
  });
});

describe('failed admin sign-ins per client IP', () => {
  const wrong = { authorization: basicAuth(ADMIN_ENV.ADMIN_USERNAME, 'wrong horse') };
  const right = { authorization: ADMIN_AUTH };

  const mcpCall = (headers: Record<string, string>) =>
    post(
      '/mcp',
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { accept: 'application/json, text/event-stream', ...headers },
    );

  /** The status of an MCP call whose answer may be the SSE stream of a success. */
  const mcpStatus = async (headers: Record<string, string>): Promise<number> => {
    const response = await fetch(`${h?.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    await response.text();
    return response.status;
  };

  it('answers 429 with Retry-After after a few wrong credentials, right ones included, on the admin API', async () => {
    h = await startHarness({
      configYaml: config({ failed_sign_ins_per_ip: '{max: 3, window: 15m}' }),
      env: ADMIN_ENV,
      startWorker: false,
    });
    for (let i = 0; i < 3; i++) {
      expect((await admin('/api/admin/requests', wrong)).status).toBe(401);
    }
    expectRateLimited(
      await admin('/api/admin/requests', wrong),
      900,
      /^Too many failed sign-ins from your network address; try again in 15 minutes$/,
    );
    // Guessing on cannot find the password: the right one is refused too until the window ends.
    expect((await admin('/api/admin/requests', right)).status).toBe(429);
    expect((await mcpCall(right)).status).toBe(429);
    // The public routes stay open.
    expect((await submit('me@example.com', 'gpt-4')).status).toBe(200);
  });

  it('counts wrong credentials on /mcp too', async () => {
    h = await startHarness({
      configYaml: config({ failed_sign_ins_per_ip: '{max: 2, window: 15m}' }),
      env: ADMIN_ENV,
      startWorker: false,
    });
    expect((await mcpCall(wrong)).status).toBe(401);
    expect((await mcpCall(wrong)).status).toBe(401);
    expectRateLimited(await mcpCall(wrong), 900, /^Too many failed sign-ins/);
    expect((await admin('/api/admin/requests', right)).status).toBe(429);
  });

  it('counts a wrong MCP Bearer key like a wrong password, and a missing Authorization not at all', async () => {
    const key = 'mcp-key-of-the-team';
    h = await startHarness({
      configYaml: config({ failed_sign_ins_per_ip: '{max: 2, window: 15m}' }),
      env: { ...ADMIN_ENV, MCP_API_KEY: key },
      startWorker: false,
    });
    const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
    for (let i = 0; i < 4; i++) {
      const missing = await mcpCall({});
      expect([missing.status, missing.json.error]).toEqual([401, 'invalid_token']);
    }
    expect(await mcpStatus(bearer(key))).toBe(200);
    const wrongKey = await mcpCall(bearer('guessed-key'));
    // Still the original's Bearer 401, counted all the same.
    expect([wrongKey.status, wrongKey.json.error]).toEqual([401, 'invalid_token']);
    expect((await mcpCall(bearer('guessed-key-2'))).status).toBe(401);
    expectRateLimited(await mcpCall(bearer(key)), 900, /^Too many failed sign-ins/);
    expect((await admin('/api/admin/requests', right)).status).toBe(429);
  });

  it('counts wrong Bearer keys, wrong and undecodable Basic credentials toward one limit', async () => {
    h = await startHarness({
      configYaml: config({ failed_sign_ins_per_ip: '{max: 3, window: 15m}' }),
      env: { ...ADMIN_ENV, MCP_API_KEY: 'mcp-key-of-the-team' },
      startWorker: false,
    });
    expect((await mcpCall({ authorization: 'Bearer guessed-key' })).status).toBe(401);
    expect((await admin('/api/admin/requests', wrong)).status).toBe(401);
    const noColon = { authorization: `Basic ${Buffer.from('root').toString('base64')}` };
    expect((await admin('/api/admin/requests', noColon)).json.message).toBe(
      'Invalid authentication credentials',
    );
    expect((await admin('/api/admin/requests', right)).status).toBe(429);
  });

  it('does not count requests without credentials or with the right ones', async () => {
    h = await startHarness({
      configYaml: config({ failed_sign_ins_per_ip: '{max: 2, window: 15m}' }),
      env: ADMIN_ENV,
      startWorker: false,
    });
    for (let i = 0; i < 5; i++) {
      expect((await admin('/api/admin/requests', {})).status).toBe(401);
      expect((await admin('/api/admin/requests', right)).status).toBe(200);
    }
    expect((await mcpCall({})).status).toBe(401);
    expect((await admin('/api/admin/requests', wrong)).status).toBe(401);
    expect((await admin('/api/admin/requests', right)).status).toBe(200);
  });

  it('logs a failed sign-in with address and route, never the submitted user name', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    h = await startHarness({
      configYaml: config({}),
      env: { ...ADMIN_ENV, MCP_API_KEY: 'mcp-key-of-the-team' },
      startWorker: false,
      logger,
    });
    await admin('/api/admin/requests', { authorization: basicAuth('hunter2-typed-as-user', 'x') });
    await mcpCall({ authorization: basicAuth('hunter2-typed-as-user', 'x') });
    await mcpCall({ authorization: 'Bearer hunter3-guessed-key' });
    const failed = lines.filter((line) => line.msg === 'admin sign-in failed: wrong credentials');
    expect(failed.map((line) => [line.level, line.ip, line.route, line.scheme])).toEqual([
      [40, '127.0.0.1', '/api/admin/requests', 'basic'],
      [40, '127.0.0.1', '/mcp', 'basic'],
      [40, '127.0.0.1', '/mcp', 'bearer'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
    expect(JSON.stringify(lines)).not.toContain('hunter3');
  });
});

describe('limits.enabled', () => {
  it('RATE_LIMITS_ENABLED=false switches every rate limit off', async () => {
    h = await startHarness({
      configYaml: `${MODELS}
limits:
  request_key_per_ip: {max: 1, window: 1m}
  new_requests_per_address: {max: 1, window: 1h}
  new_requests_per_domain: {max: 1, window: 1h}
  failed_sign_ins_per_ip: {max: 1, window: 15m}
`,
      env: { ...ADMIN_ENV, RATE_LIMITS_ENABLED: 'false' },
      startWorker: false,
    });
    for (const model of ['gpt-4', 'claude-3', 'mistral-7b']) {
      expect((await submit('me@example.com', model)).status).toBe(200);
      expect((await submit(`${model.replace('.', '')}@example.com`, model)).status).toBe(200);
    }
    for (let i = 0; i < 3; i++) {
      expect((await admin('/api/admin/requests', { authorization: basicAuth('root', 'nope') })).status).toBe(
        401,
      );
    }
    expect((await admin('/api/admin/requests', { authorization: ADMIN_AUTH })).status).toBe(200);
  });
});

describe('the API reference', () => {
  it('lists 429 for the request route and every admin route and /mcp', async () => {
    h = await startHarness({ configYaml: config({}), env: ADMIN_ENV, startWorker: false });
    const spec = (await (await fetch(`${h.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const limited = Object.entries(spec.paths)
      .filter(([path]) => path === '/api/request-key' || /^\/(api\/admin|mcp)/.test(path))
      .flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => ({
          route: `${method} ${path}`,
          has429: '429' in operation.responses,
        })),
      );
    expect(limited.map(({ route }) => route)).toEqual(
      expect.arrayContaining([
        'post /api/request-key',
        'post /api/admin/verify',
        'get /api/admin/requests',
        'get /api/admin/requests/{request_id}',
        'post /api/admin/requests/{request_id}/approve',
        'post /api/admin/requests/{request_id}/deny',
        'post /api/admin/requests/{request_id}/revoke',
        'post /mcp',
      ]),
    );
    expect(limited.filter(({ has429 }) => !has429)).toEqual([]);
  });
});
