import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
