import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeySettings } from '../src/config/config-schema.js';
import { createLiteLlmClient, newKeyValue } from '../src/litellm/litellm-client.js';
import type { GenerateKeyRequest, LiteLlmClient } from '../src/litellm/litellm-types.js';
import type { AppError } from '../src/shared/errors.js';
import type { Result } from '../src/shared/result.js';
import { type FakeLiteLlm, startFakeLiteLlm } from './support/fake-litellm.js';
import { startRawHttpServer } from './support/raw-http-server.js';

const MASTER_KEY = 'sk-master-integration-0123456789abcdef';
const WRONG_MASTER_KEY = 'sk-wrong-master-key-9876543210zyxw';

let fake: FakeLiteLlm;
let logLines: string[];
let errorMessages: string[];
/** Every key value a test minted: none may show up in a log line or error message. */
let minted: string[];
const closers: Array<() => Promise<void>> = [];

function captureLogger() {
  const write = (obj: Record<string, unknown>, msg: string) => {
    logLines.push(JSON.stringify({ ...obj, msg }));
  };
  return { debug: write, info: write, warn: write };
}

function client(overrides: { baseUrl?: string; apiKey?: string; timeoutMs?: number } = {}): LiteLlmClient {
  return createLiteLlmClient({
    baseUrl: overrides.baseUrl ?? fake.url,
    apiKey: overrides.apiKey ?? MASTER_KEY,
    timeoutMs: overrides.timeoutMs ?? 2_000,
    logger: captureLogger(),
  });
}

function mintKey(): string {
  const key = newKeyValue();
  minted.push(key);
  return key;
}

function keyRequest(overrides: Partial<GenerateKeyRequest> = {}): GenerateKeyRequest {
  return {
    key: mintKey(),
    models: ['gpt-4o'],
    userId: 'alice@example.com',
    keyAlias: 'user-alice@example.com-gpt-4o',
    metadata: { request_id: 'req-1', email: 'alice@example.com' },
    settings: {},
    ...overrides,
  };
}

function expectError<T>(result: Result<T>): AppError {
  if (result.ok) {
    throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  }
  errorMessages.push(result.error.message);
  return result.error;
}

function generateCalls(): number {
  return fake.calls.filter((call) => call.path === '/key/generate').length;
}

/** A bare HTTP server for answers the fake does not give (huge or stalled bodies). */
async function startRawServer(handler: Parameters<typeof startRawHttpServer>[0]): Promise<string> {
  const server = await startRawHttpServer(handler);
  closers.push(server.close);
  return server.url;
}

beforeEach(async () => {
  logLines = [];
  errorMessages = [];
  minted = [];
  fake = await startFakeLiteLlm({ masterKey: MASTER_KEY, models: ['gpt-4o', 'claude-sonnet', 'llama-3'] });
});

afterEach(async () => {
  await fake.close();
  for (const close of closers.splice(0)) {
    await close();
  }
  // The security invariant, checked after every test: nothing the client logged or returned
  // contains the master key, a rejected key's tail as LiteLLM echoes it, or a minted key.
  const secrets = [MASTER_KEY, WRONG_MASTER_KEY, `sk-...${WRONG_MASTER_KEY.slice(-4)}`, ...minted];
  for (const text of [...logLines, ...errorMessages]) {
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
    }
  }
});

describe('LiteLLM client: request shapes', () => {
  it('generates a key with the master key, the chosen value and the merged settings and metadata', async () => {
    const settings: KeySettings = {
      duration: '30d',
      max_budget: 25,
      budget_duration: '7d',
      rpm_limit: 60,
      tpm_limit: 100_000,
      metadata: { team: 'research', email: 'spoofed@example.com' },
    };
    const request = keyRequest({ settings });

    const result = await client().generateKey(request);

    expect(result).toEqual({ ok: true, value: undefined });
    const call = fake.calls.find((c) => c.path === '/key/generate');
    expect(call?.method).toBe('POST');
    expect(call?.headers.authorization).toBe(`Bearer ${MASTER_KEY}`);
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.body).toEqual({
      models: ['gpt-4o'],
      user_id: 'alice@example.com',
      key_alias: 'user-alice@example.com-gpt-4o',
      // The request's request_id and email win over same-named config metadata.
      metadata: { team: 'research', request_id: 'req-1', email: 'alice@example.com' },
      duration: '30d',
      max_budget: 25,
      budget_duration: '7d',
      rpm_limit: 60,
      tpm_limit: 100_000,
      key: request.key,
    });
    expect(fake.liveKeys()).toMatchObject([
      {
        key: request.key,
        alias: request.keyAlias,
        userId: 'alice@example.com',
        models: ['gpt-4o'],
        maxBudget: 25,
      },
    ]);
  });

  it('omits key settings that are not configured', async () => {
    await client().generateKey(keyRequest());

    const body = fake.calls.find((c) => c.path === '/key/generate')?.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['key', 'key_alias', 'metadata', 'models', 'user_id']);
  });

  it('asks /key/info about the key and reports whether it is live', async () => {
    const request = keyRequest();
    await client().generateKey(request);

    expect(await client().keyExists(request.key)).toEqual({ ok: true, value: true });
    expect(await client().keyExists(mintKey())).toEqual({ ok: true, value: false });

    const infoCall = fake.calls.find((c) => c.path === '/key/info');
    expect(infoCall?.method).toBe('GET');
    expect(infoCall?.query).toEqual({ key: request.key });
    expect(infoCall?.headers.authorization).toBe(`Bearer ${MASTER_KEY}`);
  });

  it('deletes keys by value with {"keys": [...]}', async () => {
    const request = keyRequest();
    await client().generateKey(request);

    expect(await client().deleteKeys([request.key])).toEqual({ ok: true, value: undefined });

    const deleteCall = fake.calls.find((c) => c.path === '/key/delete');
    expect(deleteCall?.method).toBe('POST');
    expect(deleteCall?.body).toEqual({ keys: [request.key] });
    expect(fake.liveKeys()).toEqual([]);
  });

  it('lists model ids from /v1/models', async () => {
    const result = await client().listModels();

    expect(result).toEqual({ ok: true, value: ['gpt-4o', 'claude-sonnet', 'llama-3'] });
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v1/models']);
  });

  it('keeps only usable model ids and ignores extra fields', async () => {
    const url = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          object: 'list',
          data: [
            { id: 'a', owned_by: 'x', extra: { deep: true } },
            { id: 7 },
            { id: '' },
            'junk',
            { id: 'a' },
            { id: 'b' },
          ],
        }),
      );
    });

    expect(await client({ baseUrl: url }).listModels()).toEqual({ ok: true, value: ['a', 'b'] });
  });

  it('keeps a path prefix of the base URL', async () => {
    let seenPath = '';
    const url = await startRawServer((req, res) => {
      seenPath = req.url ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data":[]}');
    });

    await client({ baseUrl: `${url}/litellm` }).listModels();

    expect(seenPath).toBe('/litellm/v1/models');
  });
});

describe('LiteLLM client: failures are typed results', () => {
  it('reports a wrong master key as HTTP 401 without the key in the message', async () => {
    const wrong = client({ apiKey: WRONG_MASTER_KEY });

    const error = expectError(await wrong.generateKey(keyRequest()));

    expect(error.code).toBe('rejected');
    expect(error.retry).toBe(false);
    expect(error.status).toBe(401);
    expect(error.message).toContain('POST /key/generate answered 401');
    expect(error.message).toContain('Invalid proxy server token');
    expect(expectError(await wrong.keyExists(mintKey())).status).toBe(401);
    expect(expectError(await wrong.listModels()).status).toBe(401);
    expect(fake.liveKeys()).toEqual([]);
  });

  it('reports a 5xx answer as an HTTP error with its status', async () => {
    fake.setDown({ status: 503 });
    const c = client();

    const results: Array<Result<unknown>> = [
      await c.listModels(),
      await c.keyExists(mintKey()),
      await c.generateKey(keyRequest()),
      await c.deleteKeys([mintKey()]),
      await c.ensureKey(keyRequest()),
    ];
    for (const result of results) {
      expect(expectError(result)).toMatchObject({ code: 'bad-response', status: 503, retry: true });
    }
    expect(fake.liveKeys()).toEqual([]);
  });

  it('times out a proxy that never answers', async () => {
    fake.setDown('hang');
    const started = Date.now();

    const error = expectError(await client({ timeoutMs: 300 }).generateKey(keyRequest()));

    expect(error).toMatchObject({ code: 'timeout', message: 'POST /key/generate: no answer within 300 ms' });
    expect(error.status).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out an answer whose body stalls', async () => {
    const url = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
    });

    const error = expectError(await client({ baseUrl: url, timeoutMs: 300 }).listModels());

    expect(error.code).toBe('timeout');
  });

  it('reports a reset connection as unreachable', async () => {
    fake.setDown('reset');

    const error = expectError(await client().keyExists(mintKey()));

    expect(error.code).toBe('unreachable');
    expect(error.message).toMatch(/^GET \/key\/info: /);
  });

  it('reports a refused connection as unreachable', async () => {
    const url = await startRawServer(() => undefined);
    const port = new URL(url).port;
    await closers.pop()?.();

    const error = expectError(await client({ baseUrl: `http://127.0.0.1:${port}` }).listModels());

    expect(error).toMatchObject({
      code: 'unreachable',
      message: 'GET /v1/models: connection refused (ECONNREFUSED)',
    });
    expect(error.status).toBeUndefined();
  });

  it('refuses an answer larger than its bound', async () => {
    const url = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const entry = JSON.stringify({ id: 'x'.repeat(100) });
      res.end(`{"data":[${Array.from({ length: 50_000 }, () => entry).join(',')}]}`);
    });

    const error = expectError(await client({ baseUrl: url }).listModels());

    expect(error.code).toBe('bad-response');
    expect(error.message).toContain('answer larger than');
  });

  it('refuses a models answer that is not the expected JSON', async () => {
    const url = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });

    expect(expectError(await client({ baseUrl: url }).listModels())).toMatchObject({
      code: 'bad-response',
      status: 200,
    });
  });

  it('scrubs keys that LiteLLM echoes in an error message', async () => {
    const request = keyRequest();
    fake.failNext(1, {
      status: 400,
      body: { error: { message: `bad key ${request.key} with ${MASTER_KEY}` } },
    });

    const error = expectError(await client().generateKey(request));

    expect(error.message).toBe('POST /key/generate answered 400: bad key [redacted] with [redacted]');
  });

  it('rejects an invalid base URL at construction without repeating it', () => {
    expect(() => client({ baseUrl: 'not a url with sk-secret' })).toThrow(
      'LiteLLM base URL is not a valid URL',
    );
  });
});

describe('LiteLLM client: deleteKeys', () => {
  it('treats deleting a key that does not exist as success', async () => {
    expect(await client().deleteKeys([mintKey()])).toEqual({ ok: true, value: undefined });
  });

  it('succeeds when the same key is deleted twice', async () => {
    const request = keyRequest();
    await client().generateKey(request);

    expect(await client().deleteKeys([request.key])).toEqual({ ok: true, value: undefined });
    expect(await client().deleteKeys([request.key])).toEqual({ ok: true, value: undefined });
    expect(fake.liveKeys()).toEqual([]);
  });

  it('treats an older proxy rejecting an unknown key with 400 as success once the key is confirmed gone', async () => {
    fake.failNext(
      1,
      { status: 400, body: { error: { message: 'Not all keys passed in were deleted.' } } },
      { path: '/key/delete' },
    );

    expect(await client().deleteKeys([mintKey()])).toEqual({ ok: true, value: undefined });
    expect(fake.calls.map((c) => c.path)).toEqual(['/key/delete', '/key/info']);
  });

  it('keeps a 400 an error while the key is still live', async () => {
    const request = keyRequest();
    await client().generateKey(request);
    fake.failNext(1, { status: 400 }, { path: '/key/delete' });

    expect(expectError(await client().deleteKeys([request.key])).status).toBe(400);
    expect(fake.liveKeys()).toHaveLength(1);
  });

  it('makes no call for an empty list', async () => {
    expect(await client().deleteKeys([])).toEqual({ ok: true, value: undefined });
    expect(fake.calls).toEqual([]);
  });
});

describe('LiteLLM client: ensureKey', () => {
  it('creates one live key with the chosen value', async () => {
    const request = keyRequest();

    expect(await client().ensureKey(request)).toEqual({ ok: true, value: undefined });

    expect(fake.liveKeys().map((k) => [k.key, k.alias])).toEqual([[request.key, request.keyAlias]]);
  });

  it('does not create a second key when called twice', async () => {
    const request = keyRequest();

    await client().ensureKey(request);
    expect(await client().ensureKey(request)).toEqual({ ok: true, value: undefined });

    expect(fake.liveKeys()).toHaveLength(1);
    expect(generateCalls()).toBe(1);
  });

  it('does not generate again after a crash that followed a successful generate', async () => {
    const request = keyRequest();
    // The earlier process got its key minted and died before recording that.
    await client().generateKey(request);

    expect(await client().ensureKey(request)).toEqual({ ok: true, value: undefined });

    expect(fake.liveKeys()).toHaveLength(1);
    expect(generateCalls()).toBe(1);
  });

  it.each([
    ['a 500', { status: 500 }],
    ['a reset connection', 'reset'],
  ] as const)(
    'succeeds when the proxy created the key but the answer was lost to %s',
    async (_name, mode) => {
      const request = keyRequest();
      fake.failNext(1, mode, { path: '/key/generate', afterHandling: true });

      expect(await client().ensureKey(request)).toEqual({ ok: true, value: undefined });

      expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
      expect(fake.calls.map((c) => c.path)).toEqual(['/key/info', '/key/generate', '/key/info']);
    },
  );

  it('succeeds when the proxy created the key but the answer timed out', async () => {
    const request = keyRequest();
    fake.failNext(1, 'hang', { path: '/key/generate', afterHandling: true });

    expect(await client({ timeoutMs: 300 }).ensureKey(request)).toEqual({ ok: true, value: undefined });

    expect(fake.liveKeys()).toHaveLength(1);
  });

  it.each(['upsert', 'error'] as const)(
    'leaves exactly one key when replicas race with the same value (duplicate key answer: %s)',
    async (duplicateKey) => {
      await fake.close();
      fake = await startFakeLiteLlm({ masterKey: MASTER_KEY, duplicateKey });
      const request = keyRequest();

      const results = await Promise.all(
        [client(), client(), client(), client()].map((c) => c.ensureKey(request)),
      );

      expect(results).toEqual(Array.from({ length: 4 }, () => ({ ok: true, value: undefined })));
      expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
    },
  );

  it('recovers when a duplicate key value is rejected outright', async () => {
    await fake.close();
    fake = await startFakeLiteLlm({ masterKey: MASTER_KEY, duplicateKey: 'error' });
    const request = keyRequest();
    await client().generateKey({ ...request, keyAlias: 'some-other-alias' });
    // keyExists misses once (a lagging read), so ensureKey tries to generate and is refused.
    fake.failNext(
      1,
      { status: 404, body: { error: { message: 'Key not found in database' } } },
      { path: '/key/info' },
    );

    expect(await client().ensureKey(request)).toEqual({ ok: true, value: undefined });

    expect(fake.liveKeys()).toHaveLength(1);
  });

  it('reports a failure and mints nothing while the proxy is down, then succeeds once it is back', async () => {
    const request = keyRequest();
    fake.setDown('reset');

    expect(expectError(await client().ensureKey(request)).code).toBe('unreachable');
    expect(fake.liveKeys()).toEqual([]);

    fake.setDown(null);
    expect(await client().ensureKey(request)).toEqual({ ok: true, value: undefined });
    expect(fake.liveKeys()).toHaveLength(1);
  });

  it('does not generate when it cannot tell whether the key exists', async () => {
    fake.failNext(1, { status: 500 }, { path: '/key/info' });

    expect(expectError(await client().ensureKey(keyRequest())).status).toBe(500);
    expect(generateCalls()).toBe(0);
  });

  it('reports an alias held by another key as the generate error', async () => {
    const first = keyRequest();
    await client().generateKey(first);

    const error = expectError(await client().ensureKey(keyRequest({ keyAlias: first.keyAlias })));

    expect(error.status).toBe(400);
    expect(error.message).toContain('already exists');
    expect(fake.liveKeys().map((k) => k.key)).toEqual([first.key]);
  });
});

describe('newKeyValue', () => {
  it('returns distinct sk- keys with at least 32 url-safe random characters', () => {
    const keys = Array.from({ length: 1_000 }, () => newKeyValue());

    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) {
      expect(key).toMatch(/^sk-[A-Za-z0-9_-]{32,}$/);
    }
  });
});
