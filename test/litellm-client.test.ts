import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeySettings } from '../src/config/config-schema.js';
import { keyHash, toKeyHash } from '../src/litellm/key-hash.js';
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

function client(
  overrides: { baseUrl?: string; apiKey?: string; timeoutMs?: number; now?: () => number } = {},
): LiteLlmClient {
  return createLiteLlmClient({
    baseUrl: overrides.baseUrl ?? fake.url,
    apiKey: overrides.apiKey ?? MASTER_KEY,
    timeoutMs: overrides.timeoutMs ?? 2_000,
    logger: captureLogger(),
    now: overrides.now,
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
  // No key in any URL the proxy received (its access log), and only /key/generate, which
  // creates the key, carries a key in its body: every other call names keys by their hash.
  for (const call of fake.calls) {
    expect(call.url).not.toMatch(/sk-/);
    if (call.path !== '/key/generate') {
      for (const key of minted) {
        expect(JSON.stringify(call.body ?? null)).not.toContain(key);
      }
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

    expect(result).toMatchObject({ ok: true, value: { keyHash: keyHash(request.key) } });
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

  it('asks /key/info about a key by its hash, whether given the key or the hash', async () => {
    const request = keyRequest();
    await client().generateKey(request);

    for (const named of [request.key, keyHash(request.key)]) {
      expect(await client().keyInfo(named)).toMatchObject({
        ok: true,
        value: { keyHash: keyHash(request.key) },
      });
    }
    expect(await client().keyInfo(mintKey())).toEqual({ ok: true, value: null });

    const infoCalls = fake.calls.filter((c) => c.path === '/key/info');
    expect(infoCalls).toHaveLength(3);
    expect(infoCalls[0]?.method).toBe('GET');
    expect(infoCalls[0]?.query).toEqual({ key: keyHash(request.key) });
    expect(infoCalls[0]?.url).toBe(`/key/info?key=${keyHash(request.key)}`);
    expect(infoCalls[0]?.headers.authorization).toBe(`Bearer ${MASTER_KEY}`);
  });

  it('deletes keys by hash with {"keys": [...]}, whether given keys or hashes', async () => {
    const first = keyRequest();
    const second = keyRequest({ keyAlias: 'user-bob@example.com-gpt-4o' });
    await client().generateKey(first);
    await client().generateKey(second);

    expect(await client().deleteKeys([first.key, keyHash(second.key)])).toEqual({
      ok: true,
      value: undefined,
    });

    const deleteCall = fake.calls.find((c) => c.path === '/key/delete');
    expect(deleteCall?.method).toBe('POST');
    expect(deleteCall?.body).toEqual({ keys: [keyHash(first.key), keyHash(second.key)] });
    expect(fake.allKeys()).toEqual([]);
  });

  it('extends a key with {"key": <hash>, "duration"} and a key alias is deleted with {"key_aliases"}', async () => {
    const request = keyRequest();
    await client().generateKey(request);

    expect((await client().extendKey(request.key, '7d')).ok).toBe(true);
    expect(await client().deleteKeyAlias(request.keyAlias)).toEqual({ ok: true, value: undefined });

    const [update, remove] = fake.calls.filter((c) => c.method === 'POST' && c.path !== '/key/generate');
    expect(update?.path).toBe('/key/update');
    expect(update?.body).toEqual({ key: keyHash(request.key), duration: '7d' });
    expect(remove?.path).toBe('/key/delete');
    expect(remove?.body).toEqual({ key_aliases: [request.keyAlias] });
    expect(fake.allKeys()).toEqual([]);
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
    expect(expectError(await wrong.keyInfo(mintKey())).status).toBe(401);
    expect(expectError(await wrong.extendKey(mintKey(), '1d')).status).toBe(401);
    expect(expectError(await wrong.listModels()).status).toBe(401);
    expect(fake.liveKeys()).toEqual([]);
  });

  it('reports a 5xx answer as an HTTP error with its status', async () => {
    fake.setDown({ status: 503 });
    const c = client();

    const results: Array<Result<unknown>> = [
      await c.listModels(),
      await c.keyInfo(mintKey()),
      await c.generateKey(keyRequest()),
      await c.extendKey(mintKey(), '1d'),
      await c.deleteKeys([mintKey()]),
      await c.deleteKeyAlias('user-x@example.com-gpt-4o'),
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

    const error = expectError(await client().keyInfo(mintKey()));

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

/** The answer ensureKey gives for the reserved key of `request`, never expiring. */
function ensured(request: GenerateKeyRequest, outcome: 'minted' | 'adopted' | 'replaced') {
  return { ok: true, value: { outcome, keyHash: keyHash(request.key), expires: null } };
}

describe('LiteLLM client: ensureKey', () => {
  it('mints one live key with the chosen value and reports its hash', async () => {
    const request = keyRequest();

    expect(await client().ensureKey(request)).toEqual(ensured(request, 'minted'));

    expect(fake.liveKeys().map((k) => [k.key, k.alias])).toEqual([[request.key, request.keyAlias]]);
  });

  it('generates at once, without a look-up, a value the caller never sent', async () => {
    const request = keyRequest();

    expect(await client().ensureKey(request, { neverSent: true })).toEqual(ensured(request, 'minted'));

    expect(fake.calls.map((c) => c.path)).toEqual(['/key/generate']);
    expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
  });

  it('still adopts the key of a never-sent value when the answer of its generate was lost', async () => {
    const request = keyRequest();
    fake.failNext(1, 'reset', { path: '/key/generate', afterHandling: true });

    expect(await client().ensureKey(request, { neverSent: true })).toEqual(ensured(request, 'adopted'));

    expect(fake.calls.map((c) => c.path)).toEqual(['/key/generate', '/key/info']);
    expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
  });

  it('reports the expiry LiteLLM computed from the duration', async () => {
    const request = keyRequest({ settings: { duration: '30d' } });
    const before = Date.now();

    const result = await client().ensureKey(request);

    expect(result.ok).toBe(true);
    const expires = result.ok ? Date.parse(result.value.expires ?? '') : Number.NaN;
    expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000 - 1_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000 + 1_000);
    expect(result.ok && result.value.expires).toBe(fake.liveKeys()[0]?.expires);
  });

  it('adopts the reserved key instead of creating a second one when called twice', async () => {
    const request = keyRequest();

    await client().ensureKey(request);
    expect(await client().ensureKey(request)).toEqual(ensured(request, 'adopted'));

    expect(fake.liveKeys()).toHaveLength(1);
    expect(generateCalls()).toBe(1);
  });

  it('adopts the key after a crash that followed a successful generate, with its recorded expiry', async () => {
    const request = keyRequest({ settings: { duration: '1h' } });
    // The earlier process got its key minted and died before recording that.
    const first = await client().generateKey(request);

    const again = await client().ensureKey(request);

    expect(again).toEqual({ ok: true, value: { outcome: 'adopted', ...(first.ok ? first.value : {}) } });
    expect(fake.liveKeys()).toHaveLength(1);
    expect(generateCalls()).toBe(1);
  });

  it.each([
    ['a 500', { status: 500 }],
    ['a reset connection', 'reset'],
  ] as const)(
    'adopts the key when the proxy created it but the answer was lost to %s',
    async (_name, mode) => {
      const request = keyRequest();
      fake.failNext(1, mode, { path: '/key/generate', afterHandling: true });

      expect(await client().ensureKey(request)).toEqual(ensured(request, 'adopted'));

      expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
      expect(fake.calls.map((c) => c.path)).toEqual(['/key/info', '/key/generate', '/key/info']);
    },
  );

  it('adopts the key when the proxy created it but the answer timed out', async () => {
    const request = keyRequest();
    fake.failNext(1, 'hang', { path: '/key/generate', afterHandling: true });

    expect(await client({ timeoutMs: 300 }).ensureKey(request)).toEqual(ensured(request, 'adopted'));

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

      for (const result of results) {
        expect(result).toMatchObject({ ok: true, value: { keyHash: keyHash(request.key) } });
      }
      // Whoever lost the race found the winner's key: nobody deleted anything.
      const outcomes = results.map((result) => (result.ok ? result.value.outcome : 'failed'));
      expect(outcomes).not.toContain('replaced');
      expect(outcomes).toContain('minted');
      expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
    },
  );

  it('recovers when a duplicate key value is rejected outright', async () => {
    await fake.close();
    fake = await startFakeLiteLlm({ masterKey: MASTER_KEY, duplicateKey: 'error' });
    const request = keyRequest();
    await client().generateKey({ ...request, keyAlias: 'some-other-alias' });
    // The first look-up misses (a lagging read), so ensureKey tries to generate and is refused.
    fake.failNext(
      1,
      { status: 404, body: { error: { message: 'Key not found in database' } } },
      { path: '/key/info' },
    );

    expect(await client().ensureKey(request)).toEqual(ensured(request, 'adopted'));

    expect(fake.liveKeys()).toHaveLength(1);
  });

  it('reports a failure and mints nothing while the proxy is down, then succeeds once it is back', async () => {
    const request = keyRequest();
    fake.setDown('reset');

    expect(expectError(await client().ensureKey(request)).code).toBe('unreachable');
    expect(fake.liveKeys()).toEqual([]);

    fake.setDown(null);
    expect(await client().ensureKey(request)).toEqual(ensured(request, 'minted'));
    expect(fake.liveKeys()).toHaveLength(1);
  });

  it('does not generate when it cannot tell whether the key exists', async () => {
    fake.failNext(1, { status: 500 }, { path: '/key/info' });

    expect(expectError(await client().ensureKey(keyRequest())).status).toBe(500);
    expect(generateCalls()).toBe(0);
  });
});

describe('LiteLLM client: ensureKey when another key holds the alias', () => {
  it('deletes the other key by its alias, mints the reserved one and says so', async () => {
    const foreign = keyRequest();
    await client().generateKey(foreign);
    const request = keyRequest({ keyAlias: foreign.keyAlias });

    expect(await client().ensureKey(request)).toEqual({
      ok: true,
      value: { outcome: 'replaced', keyHash: keyHash(request.key), expires: null },
    });

    expect(fake.allKeys().map((k) => [k.key, k.alias])).toEqual([[request.key, foreign.keyAlias]]);
    const calls = fake.calls.slice(1).map((c) => `${c.path} ${JSON.stringify(c.body ?? c.query)}`);
    expect(calls).toEqual([
      `/key/info {"key":"${keyHash(request.key)}"}`,
      expect.stringMatching(/^\/key\/generate /),
      `/key/info {"key":"${keyHash(request.key)}"}`,
      `/key/delete {"key_aliases":["${foreign.keyAlias}"]}`,
      expect.stringMatching(/^\/key\/generate /),
    ]);
  });

  it('replaces an expired key that still holds the alias', async () => {
    const foreign = keyRequest({ settings: { duration: '1s' } });
    await client().generateKey(foreign);
    fake.advanceClock(5_000);
    const request = keyRequest({ keyAlias: foreign.keyAlias });

    expect(await client().ensureKey(request)).toMatchObject({ ok: true, value: { outcome: 'replaced' } });

    expect(fake.allKeys().map((k) => k.key)).toEqual([request.key]);
  });

  it('adopts the alias holder when it is the reserved key, and deletes nothing', async () => {
    const request = keyRequest();
    await client().generateKey(request);
    // The first look-up misses (a lagging read): generate meets the alias, held by our own key.
    fake.failNext(
      1,
      { status: 404, body: { error: { message: 'Key not found in database' } } },
      { path: '/key/info' },
    );

    expect(await client().ensureKey(request)).toEqual(ensured(request, 'adopted'));

    expect(fake.calls.filter((c) => c.path === '/key/delete')).toEqual([]);
    expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
  });

  it('mints nothing when the other key cannot be deleted, and leaves it in place', async () => {
    const foreign = keyRequest();
    await client().generateKey(foreign);
    fake.failNext(1, { status: 503 }, { path: '/key/delete' });

    const error = expectError(await client().ensureKey(keyRequest({ keyAlias: foreign.keyAlias })));

    expect(error).toMatchObject({ code: 'bad-response', status: 503, retry: true });
    expect(fake.allKeys().map((k) => k.key)).toEqual([foreign.key]);
  });

  it('does not delete anything for a refusal that is not about the alias', async () => {
    fake.failNext(
      1,
      {
        status: 400,
        body: { error: { message: 'max_budget is over the limit', type: 'bad_request_error' } },
      },
      { path: '/key/generate' },
    );

    expect(expectError(await client().ensureKey(keyRequest())).status).toBe(400);
    expect(fake.calls.filter((c) => c.path === '/key/delete')).toEqual([]);
  });
});

describe('LiteLLM client: keyInfo', () => {
  it('reports expiry, spend and budget of a live key', async () => {
    const request = keyRequest({ settings: { duration: '7d', max_budget: 25, budget_duration: '30d' } });
    await client().generateKey(request);
    fake.setSpend(request.key, 3.25);

    const info = await client().keyInfo(keyHash(request.key));

    expect(info).toEqual({
      ok: true,
      value: {
        keyHash: keyHash(request.key),
        live: true,
        expires: fake.liveKeys()[0]?.expires,
        keyAlias: request.keyAlias,
        spend: 3.25,
        maxBudget: 25,
        budgetDuration: '30d',
      },
    });
  });

  it('still finds an expired key, and says it is no longer live', async () => {
    const request = keyRequest({ settings: { duration: '1h' } });
    await client().generateKey(request);
    const later = () => Date.now() + 2 * 3_600_000;
    fake.advanceClock(2 * 3_600_000);

    const info = await client({ now: later }).keyInfo(request.key);

    expect(info).toMatchObject({ ok: true, value: { live: false, keyHash: keyHash(request.key) } });
    expect(fake.liveKeys()).toEqual([]);
    expect(fake.allKeys()).toHaveLength(1);
  });

  it('reports a key that never expires as live with no expiry', async () => {
    const request = keyRequest();
    await client().generateKey(request);

    expect(await client().keyInfo(request.key)).toMatchObject({
      ok: true,
      value: { live: true, expires: null },
    });
  });

  it('treats an answer without key info as unusable', async () => {
    fake.failNext(1, { status: 200, body: { key: 'x' } }, { path: '/key/info' });

    expect(expectError(await client().keyInfo(mintKey()))).toMatchObject({
      code: 'bad-response',
      retry: false,
    });
  });
});

describe('LiteLLM client: extendKey', () => {
  it('moves the expiry of a live key and answers the new one', async () => {
    const request = keyRequest({ settings: { duration: '1h' } });
    await client().generateKey(request);
    const before = Date.now();

    const extended = await client().extendKey(keyHash(request.key), '30d');

    expect(extended.ok).toBe(true);
    const expires = extended.ok ? Date.parse(extended.value?.expires ?? '') : Number.NaN;
    expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000 - 1_000);
    expect(extended.ok && extended.value?.keyHash).toBe(keyHash(request.key));
    expect(fake.liveKeys().map((k) => k.expires)).toEqual([extended.ok ? extended.value?.expires : null]);
  });

  it('brings an expired key back to life', async () => {
    const request = keyRequest({ settings: { duration: '1s' } });
    await client().generateKey(request);
    fake.advanceClock(5_000);
    expect(fake.liveKeys()).toEqual([]);

    expect((await client().extendKey(request.key, '1d')).ok).toBe(true);

    expect(fake.liveKeys().map((k) => k.key)).toEqual([request.key]);
  });

  it('answers null for a key LiteLLM does not know', async () => {
    expect(await client().extendKey(mintKey(), '1d')).toEqual({ ok: true, value: null });
  });

  it('answers null when an older proxy refuses an unknown key with a 400', async () => {
    fake.failNext(
      1,
      { status: 400, body: { error: { message: "'NoneType' object" } } },
      { path: '/key/update' },
    );

    expect(await client().extendKey(mintKey(), '1d')).toEqual({ ok: true, value: null });
    expect(fake.calls.map((c) => c.path)).toEqual(['/key/update', '/key/info']);
  });

  it('reads the new expiry back from /key/info when the update answer does not state it', async () => {
    const request = keyRequest();
    await client().generateKey(request);
    fake.failNext(
      1,
      { status: 200, body: { key: keyHash(request.key) } },
      { path: '/key/update', afterHandling: true },
    );

    const extended = await client().extendKey(request.key, '2h');

    expect(extended).toEqual({
      ok: true,
      value: { keyHash: keyHash(request.key), expires: fake.liveKeys()[0]?.expires },
    });
    expect(extended.ok && extended.value?.expires).toEqual(expect.any(String));
  });
});

describe('LiteLLM client: generateKey answers', () => {
  it('reads the expiry back from /key/info when the generate answer does not state it', async () => {
    const request = keyRequest({ settings: { duration: '1d' } });
    fake.failNext(
      1,
      { status: 200, body: { key: request.key } },
      { path: '/key/generate', afterHandling: true },
    );

    const generated = await client().generateKey(request);

    expect(generated).toEqual({
      ok: true,
      value: { keyHash: keyHash(request.key), expires: fake.liveKeys()[0]?.expires },
    });
    expect(fake.calls.map((c) => c.path)).toEqual(['/key/generate', '/key/info']);
  });

  it('takes the hash from the answer when it states one', async () => {
    const request = keyRequest();
    const stated = 'f'.repeat(64);
    fake.failNext(
      1,
      { status: 200, body: { key: request.key, token: stated, expires: null } },
      { path: '/key/generate' },
    );

    expect(await client().generateKey(request)).toEqual({
      ok: true,
      value: { keyHash: stated, expires: null },
    });
  });

  it('reads LiteLLM timestamps without a zone as UTC', async () => {
    const request = keyRequest();
    fake.failNext(
      1,
      { status: 200, body: { key: request.key, expires: '2031-02-03T04:05:06.789012' } },
      { path: '/key/generate' },
    );

    expect(await client().generateKey(request)).toMatchObject({
      ok: true,
      value: { expires: '2031-02-03T04:05:06.789Z' },
    });
  });
});

describe('key hashes', () => {
  it('are the sha256 hex of the key, as LiteLLM stores them', () => {
    expect(keyHash('sk-1234')).toBe('88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b');
  });

  it('are computed for a key and kept for anything else', () => {
    const hash = keyHash('sk-abc');
    expect(toKeyHash('sk-abc')).toBe(hash);
    expect(toKeyHash(hash)).toBe(hash);
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
