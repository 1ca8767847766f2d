import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMcp } from './support/mcp-client.js';
import {
  ADMIN_AUTH,
  ADMIN_ENV,
  type Harness,
  REVIEW_CONFIG,
  startHarness,
} from './support/service-harness.js';

/** The original service's MCP clients: `/mcp/` with a static Bearer key, its eight tool names
 * and arguments (`ctx` included, as null, {} or left out), its result conventions. Driven
 * through the real MCP SDK client. */

const MCP_KEY = 'mcp-key-for-tests-0123456789';
const KEY_ENV = { MCP_API_KEY: MCP_KEY };
const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';

let h: Harness | undefined;
let client: Client | undefined;
/** Every response body the client received: no full key may ever be among them. */
let seen: string[] = [];
afterEach(async () => {
  await client?.close();
  client = undefined;
  await h?.close();
  h = undefined;
  seen = [];
});

async function connect(
  harness: Harness,
  authorization = `Bearer ${MCP_KEY}`,
  path = '/mcp/',
): Promise<Client> {
  client = await connectMcp(new URL(path, harness.url), authorization, seen);
  return client;
}

/** A tool call and what the original's clients read from its answer: the JSON text, and the
 * structured content (a list under `result`). */
async function call(mcp: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  const text = first?.type === 'text' ? first.text : '';
  return { result, text, structured: result.structuredContent as Record<string, unknown> | undefined };
}

/** The parsed JSON text of a successful call, checked against its structured content. */
async function value(mcp: Client, name: string, args: Record<string, unknown> = {}): Promise<unknown> {
  const answer = await call(mcp, name, args);
  expect(answer.result.isError, `${name}: ${answer.text}`).toBeFalsy();
  const parsed: unknown = JSON.parse(answer.text);
  expect(answer.structured).toEqual(Array.isArray(parsed) ? { result: parsed } : parsed);
  expect(answer.text).not.toContain('\n');
  return parsed;
}

const LISTED_KEYS = ['created_at', 'email', 'model', 'request_id', 'state', 'updated_at'];
const CHANGED_KEYS = ['email', 'model', 'request_id', 'state', 'updated_at'];

describe('the original MCP tools over /mcp/ with a Bearer key', () => {
  it('run through every tool name, as its clients call them', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: KEY_ENV, startWorker: false });
    const harness = h;
    const mcp = await connect(harness);

    const { tools } = await mcp.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const name of [
      'list_pending',
      'list_review',
      'approve',
      'deny',
      'pending',
      'review',
      'request_key',
    ]) {
      expect(byName.get(name)?.inputSchema.properties, name).toHaveProperty('ctx');
      expect(byName.get(name)?.inputSchema.required ?? [], name).not.toContain('ctx');
    }
    expect(byName.get('approve')?.description).toMatch(/mints its key on LiteLLM and mails/);

    // request_key: a new request, in the original's shape (parked for review as it is submitted); the
    // same pair again is the same request.
    const created = (await value(mcp, 'request_key', {
      ctx: null,
      email: 'Dev@Example.com',
      model: 'gpt-4',
    })) as Record<string, string>;
    expect(Object.keys(created).sort()).toEqual(LISTED_KEYS);
    expect(created).toMatchObject({ email: 'dev@example.com', model: 'gpt-4', state: 'in-review' });
    const id = created.request_id ?? '';
    expect(await value(mcp, 'request_key', { email: 'dev@example.com', model: 'gpt-4' })).toMatchObject({
      request_id: id,
    });
    const bad = await call(mcp, 'request_key', { ctx: {}, email: 'not-an-address', model: 'gpt-4' });
    expect(bad.result.isError).toBe(true);
    expect(bad.text).toMatch(/^Error calling tool 'request_key': Invalid input: .*email/);

    // list_pending, with ctx as {}: a request the chain has not decided yet (one stored as a chain
    // with an http plugin first leaves it).
    const waiting = (await harness.service.store.create({ email: 'pat@example.com', model: 'gpt-4' })).request
      .id;
    const pending = (await value(mcp, 'list_pending', { ctx: {} })) as Record<string, string>[];
    expect(pending.map((row) => row.request_id)).toEqual([waiting]);
    expect(Object.keys(pending[0] ?? {}).sort()).toEqual(LISTED_KEYS);

    // review: parks the pending request for an admin (the admin service's park decision).
    const parked = (await value(mcp, 'review', { ctx: null, request_id: waiting })) as Record<string, string>;
    expect(Object.keys(parked).sort()).toEqual(CHANGED_KEYS);
    expect(parked).toMatchObject({ request_id: waiting, state: 'in-review' });
    expect((await harness.request(waiting)).history.at(-1)).toMatchObject({
      actor: 'mcp:api-key',
      action: 'parked',
      from: 'pending',
      to: 'in-review',
    });
    // Only a pending request can be parked.
    const parkedTwice = await call(mcp, 'review', { request_id: waiting });
    expect(parkedTwice.result.isError).toBe(true);
    expect(parkedTwice.text).toMatch(
      /^Error calling tool 'review': Not allowed: Cannot park a request that is in-review; allowed from: pending$/,
    );
    const inReview = (await value(mcp, 'list_review', { ctx: null })) as Record<string, string>[];
    expect(inReview.map((row) => [row.request_id, row.state])).toEqual([
      [waiting, 'in-review'],
      [id, 'in-review'],
    ]);
    expect(await value(mcp, 'list_pending')).toEqual([]);

    // approve, without ctx: the state changes, and the worker mints and mails (the original only set the state).
    harness.service.worker.start();
    const approved = (await value(mcp, 'approve', { request_id: id })) as Record<string, string>;
    expect(Object.keys(approved).sort()).toEqual(CHANGED_KEYS);
    expect(approved).toMatchObject({ request_id: id, state: 'approved' });
    const done = await harness.settled(id);
    expect(done.reason).toBe('Approved by an administrator');
    expect(done.history.map((entry) => [entry.actor, entry.action])).toContainEqual([
      'mcp:api-key',
      'approved',
    ]);
    // The store keeps only the hash once the key is mailed; LiteLLM has the key itself.
    const fullKey = harness.litellm.liveKeys().find((key) => key.token === done.keyHash)?.key ?? 'no key';
    expect(fullKey).toMatch(/^sk-/);
    const mail = await harness.smtp.waitFor((m) => m.subject === 'API Key Approved for gpt-4');
    expect(mail.text).toContain(fullKey);

    // deny takes no reason in the original: the requester is mailed a default one.
    const other = (await value(mcp, 'request_key', { email: 'ops@example.com', model: 'gpt-4' })) as Record<
      string,
      string
    >;
    const otherId = other.request_id ?? '';
    await harness.settled(otherId);
    expect(await value(mcp, 'deny', { ctx: null, request_id: otherId })).toMatchObject({
      request_id: otherId,
      state: 'denied',
    });
    const denial = await harness.smtp.waitFor((m) => m.subject === 'API Key Request Denied for gpt-4');
    expect(denial.text).toContain('Denied by an administrator');

    // pending: sends the denied request back through the chain, as a new cycle.
    await harness.settled(otherId);
    const requeued = (await value(mcp, 'pending', { ctx: null, request_id: otherId })) as Record<
      string,
      string
    >;
    expect(requeued).toMatchObject({ request_id: otherId, state: 'pending' });
    // The chain decides again (the worker runs): gpt-4 goes to review in this config.
    const back = await harness.settled(otherId);
    expect(back).toMatchObject({ state: 'in-review', cycle: 2 });
    expect(back.history.map((entry) => [entry.actor, entry.action, entry.from, entry.to])).toContainEqual([
      'mcp:api-key',
      'requeued',
      'denied',
      'pending',
    ]);
    // Only an in-review or denied request goes back; an approved one does not.
    const notBack = await call(mcp, 'pending', { request_id: id });
    expect(notBack.text).toMatch(
      /^Error calling tool 'pending': Not allowed: Cannot requeue a request that is approved; allowed from: in-review, denied$/,
    );
    expect((await harness.request(id)).state).toBe('approved');

    // list_models: a list, so structured content wraps it in `result`.
    const models = (await value(mcp, 'list_models', { ctx: null })) as Record<string, string>[];
    expect(models.map((model) => model.id)).toEqual(['gpt-4', 'ollama/llama2']);

    // Errors: isError with the original's text.
    const unknown = await call(mcp, 'approve', { ctx: null, request_id: UNKNOWN_ID });
    expect(unknown.result.isError).toBe(true);
    expect(unknown.text).toMatch(new RegExp(`^Error calling tool 'approve': Not found: .*${UNKNOWN_ID}`));
    const twice = await call(mcp, 'approve', { request_id: id });
    expect(twice.text).toMatch(
      /^Error calling tool 'approve': Not allowed: Cannot approve a request that is approved/,
    );

    expect(seen.length).toBeGreaterThan(10);
    for (const body of seen) {
      expect(body).not.toContain(fullKey);
    }
  });
});

describe('/mcp authentication with an MCP key', () => {
  const INITIALIZE = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
  });
  const post = (harness: Harness, path: string, headers: Record<string, string>) =>
    fetch(`${harness.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: INITIALIZE,
    });

  it('opens /mcp and /mcp/ with the key alone; the admin API stays off without admin credentials', async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: KEY_ENV, startWorker: false });
    for (const path of ['/mcp', '/mcp/']) {
      expect((await post(h, path, { authorization: `bearer ${MCP_KEY}` })).status, path).toBe(200);
    }
    expect(
      (await fetch(`${h.url}/api/admin/requests`, { headers: { authorization: ADMIN_AUTH } })).status,
    ).toBe(404);
    expect((await post(h, '/mcp/', { authorization: ADMIN_AUTH })).status).toBe(401);
  });

  it("answers a missing or wrong key with the original's Bearer 401, before any MCP processing", async () => {
    h = await startHarness({ configYaml: REVIEW_CONFIG, env: KEY_ENV, startWorker: false });
    const refused: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-key' },
      { authorization: `Bearer ${MCP_KEY}x` },
    ];
    for (const headers of refused) {
      const response = await post(h, '/mcp/', headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer error="invalid_token", error_description="Authentication required"',
      );
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({
        error: 'invalid_token',
        error_description: 'Authentication required',
      });
      expect(text).not.toContain(MCP_KEY);
    }
    await expect(connect(h, 'Bearer wrong-key')).rejects.toThrow();
  });

  it('takes the key or the admin credentials when both are configured, and names both schemes', async () => {
    h = await startHarness({
      configYaml: REVIEW_CONFIG,
      env: { ...KEY_ENV, ...ADMIN_ENV },
      startWorker: false,
    });
    expect((await post(h, '/mcp/', { authorization: `Bearer ${MCP_KEY}` })).status).toBe(200);
    expect((await post(h, '/mcp/', { authorization: ADMIN_AUTH })).status).toBe(200);
    const none = await post(h, '/mcp/', {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token".*, Basic realm=/);
    const wrongBasic = await post(h, '/mcp/', {
      authorization: `Basic ${Buffer.from('root:x').toString('base64')}`,
    });
    expect([wrongBasic.status, ((await wrongBasic.json()) as { detail: string }).detail]).toEqual([
      401,
      'Invalid credentials',
    ]);
    // An admin's decision is recorded under the admin's name (mcp:root), a key holder's under mcp:api-key.
    const id = String((await h.submit('dev@example.com', 'gpt-4')).body.request_id);
    const mcp = await connect(h, ADMIN_AUTH);
    expect(await value(mcp, 'approve', { ctx: null, request_id: id })).toMatchObject({ state: 'approved' });
    const approved = await h.request(id);
    expect(approved.reason).toBe('Approved by an administrator');
    expect(approved.history.at(-1)).toMatchObject({ actor: 'mcp:root', action: 'approved' });
  });
});
