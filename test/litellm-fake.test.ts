import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyHash } from '../src/litellm/key-hash.js';
import { type FakeLiteLlm, startFakeLiteLlm } from './support/fake-litellm.js';

/** Pins the fake to LiteLLM's documented answers, so client tests prove something about
 * the real proxy (see docs/litellm.md for the sources). */
const MASTER_KEY = 'sk-fake-contract-master-0123456789';

let fake: FakeLiteLlm;

beforeEach(async () => {
  fake = await startFakeLiteLlm({ masterKey: MASTER_KEY, models: ['m1'] });
});

afterEach(async () => {
  await fake.close();
});

async function call(method: string, path: string, body?: unknown, token = MASTER_KEY) {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('fake LiteLLM', () => {
  it('answers 401 in the ProxyException shape without the right bearer token', async () => {
    const answer = await call('GET', '/v1/models', undefined, 'sk-not-the-master');

    expect(answer.status).toBe(401);
    expect(answer.json.error).toMatchObject({ type: 'auth_error', code: '401' });
  });

  it('serves models on /v1/models and /models', async () => {
    for (const path of ['/v1/models', '/models']) {
      const answer = await call('GET', path);
      expect(answer.json).toMatchObject({ object: 'list', data: [{ id: 'm1', object: 'model' }] });
    }
  });

  it('generates a random sk- key when none is given', async () => {
    const answer = await call('POST', '/key/generate', { models: ['m1'] });

    expect(answer.status).toBe(200);
    expect(answer.json.key).toMatch(/^sk-/);
    expect(fake.liveKeys()).toHaveLength(1);
  });

  it('rejects a second key with the same alias with 400', async () => {
    await call('POST', '/key/generate', { key: 'sk-first-key-000000', key_alias: 'a' });

    const answer = await call('POST', '/key/generate', { key: 'sk-second-key-00000', key_alias: 'a' });

    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ type: 'bad_request_error', param: 'key_alias' });
    expect(fake.liveKeys()).toHaveLength(1);
  });

  it('keeps the existing row when the same key value is generated again (upsert)', async () => {
    await call('POST', '/key/generate', { key: 'sk-same-key-0000000', key_alias: 'a' });

    const answer = await call('POST', '/key/generate', { key: 'sk-same-key-0000000', key_alias: 'b' });

    expect(answer.status).toBe(200);
    expect(fake.liveKeys().map((k) => k.alias)).toEqual(['a']);
  });

  it('answers 404 not_found_error for /key/info of an unknown key', async () => {
    const answer = await call('GET', '/key/info?key=sk-unknown-000000000');

    expect(answer.status).toBe(404);
    expect(answer.json.error).toMatchObject({
      message: 'Key not found in database',
      type: 'not_found_error',
    });
  });

  it('deletes by key or alias and answers 404 when nothing matches', async () => {
    await call('POST', '/key/generate', { key: 'sk-delete-by-key-000', key_alias: 'k' });
    await call('POST', '/key/generate', { key: 'sk-delete-by-alias-0', key_alias: 'x' });

    expect((await call('POST', '/key/delete', { keys: ['sk-delete-by-key-000'] })).status).toBe(200);
    expect((await call('POST', '/key/delete', { key_aliases: ['x'] })).json).toEqual({ deleted_keys: ['x'] });
    expect(fake.liveKeys()).toEqual([]);
    expect((await call('POST', '/key/delete', { keys: ['sk-delete-by-key-000'] })).status).toBe(404);
  });

  it('names keys by value or by hash on every key route', async () => {
    const key = 'sk-named-both-ways-00';
    await call('POST', '/key/generate', { key, key_alias: 'a' });

    for (const named of [key, keyHash(key)]) {
      expect((await call('GET', `/key/info?key=${named}`)).json.info).toMatchObject({ key_alias: 'a' });
      expect((await call('POST', '/key/update', { key: named, max_budget: 5 })).status).toBe(200);
    }
    expect((await call('POST', '/key/delete', { keys: [keyHash(key)] })).status).toBe(200);
    expect(fake.allKeys()).toEqual([]);
  });

  it('answers generate with the key, its hash as token, and expires computed from the duration', async () => {
    const before = Date.now();
    const answer = await call('POST', '/key/generate', { key: 'sk-with-duration-0000', duration: '2h' });

    expect(answer.json).toMatchObject({
      key: 'sk-with-duration-0000',
      token: keyHash('sk-with-duration-0000'),
      token_id: keyHash('sk-with-duration-0000'),
    });
    // Python's isoformat, as LiteLLM's JSON carries it.
    expect(answer.json.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const expires = Date.parse(String(answer.json.expires));
    expect(expires).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1_000);
    expect((await call('POST', '/key/generate', { key: 'sk-no-duration-00000' })).json.expires).toBeNull();
  });

  it('refuses a duration LiteLLM cannot parse', async () => {
    expect((await call('POST', '/key/generate', { key: 'sk-bad-duration-0000', duration: '5' })).status).toBe(
      500,
    );
    expect(fake.allKeys()).toEqual([]);
  });

  it('shows spend and budget in /key/info, without the hash', async () => {
    await call('POST', '/key/generate', {
      key: 'sk-spender-000000000',
      max_budget: 10,
      budget_duration: '30d',
    });
    fake.setSpend('sk-spender-000000000', 1.5);

    const answer = await call('GET', `/key/info?key=${keyHash('sk-spender-000000000')}`);

    expect(answer.json.info).toMatchObject({ spend: 1.5, max_budget: 10, budget_duration: '30d' });
    expect(answer.json.info).not.toHaveProperty('token');
  });

  it('keeps an expired key: /key/info still answers, the key itself is refused as expired', async () => {
    const key = 'sk-expiring-key-0000';
    await call('POST', '/key/generate', { key, key_alias: 'old', duration: '1s' });
    fake.advanceClock(5_000);

    const info = await call('GET', `/key/info?key=${key}`);
    expect(info.status).toBe(200);
    expect(Date.parse(String((info.json.info as Record<string, unknown>).expires))).toBeLessThan(
      Date.now() + 5_000,
    );
    expect(fake.liveKeys()).toEqual([]);
    expect(fake.allKeys()).toHaveLength(1);

    const used = await call('GET', '/v1/models', undefined, key);
    expect(used.status).toBe(400);
    expect(used.json.error).toMatchObject({ type: 'expired_key', param: 'sk-...0000' });
    expect((used.json.error as Record<string, unknown>).message).toMatch(
      /^Authentication Error - Expired Key\. Key Expiry time /,
    );

    // An expired key still holds its alias.
    expect(
      (await call('POST', '/key/generate', { key: 'sk-newcomer-00000000', key_alias: 'old' })).status,
    ).toBe(400);
  });

  it('lets a live virtual key read the models and its own info, nothing else', async () => {
    const key = 'sk-virtual-bearer-00';
    await call('POST', '/key/generate', { key });

    expect((await call('GET', '/v1/models', undefined, key)).status).toBe(200);
    expect((await call('GET', '/key/info', undefined, key)).json).toMatchObject({ key });
    expect((await call('POST', '/key/generate', {}, key)).status).toBe(401);
  });

  it('extends a key with /key/update: duration from now, -1 for never, even once expired', async () => {
    const key = 'sk-extend-me-0000000';
    await call('POST', '/key/generate', { key, duration: '1s' });
    fake.advanceClock(5_000);

    const extended = await call('POST', '/key/update', { key: keyHash(key), duration: '1d' });
    expect(extended.status).toBe(200);
    expect(extended.json).toMatchObject({ key: keyHash(key) });
    expect(Date.parse(String(extended.json.expires))).toBeGreaterThan(Date.now() + 86_000_000);
    expect(fake.liveKeys().map((k) => k.key)).toEqual([key]);

    expect((await call('POST', '/key/update', { key, duration: '-1' })).json.expires).toBeNull();
  });

  it('answers 404 to /key/update for an unknown key', async () => {
    const answer = await call('POST', '/key/update', {
      key: keyHash('sk-nobody-0000000000'),
      duration: '1d',
    });

    expect(answer.status).toBe(404);
    expect(answer.json.error).toMatchObject({ code: '404' });
  });

  it('records every request target as received', async () => {
    await call('GET', '/key/info?key=abc&x=1');

    expect(fake.calls.map((c) => c.url)).toEqual(['/key/info?key=abc&x=1']);
  });

  it('fails on demand, and close() ends a hung request', async () => {
    fake.failNext(1, { status: 502 }, { path: '/v1/models' });
    expect((await call('GET', '/key/info?key=sk-x')).status).toBe(404);
    expect((await call('GET', '/v1/models')).status).toBe(502);
    expect((await call('GET', '/v1/models')).status).toBe(200);

    fake.setDown('hang');
    const hung = fetch(`${fake.url}/v1/models`).then(
      () => 'answered',
      () => 'connection ended',
    );
    await expect.poll(() => fake.calls.length, { timeout: 5_000 }).toBe(4);
    await fake.close();
    expect(await hung).toBe('connection ended');
  });
});
