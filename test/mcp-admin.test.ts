import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminDetail, AdminView } from '../src/admin/admin-view.js';
import { connectMcp } from './support/mcp-client.js';
import { mustUpdate } from './support/must-update.js';
import {
  ADMIN_AUTH,
  ADMIN_ENV,
  basicAuth,
  type Harness,
  REVIEW_CONFIG,
  startHarness,
} from './support/service-harness.js';

const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';
/** An MCP message a client would send; used where the SDK client cannot be (bad credentials). */
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
};
/** What the tools put in structuredContent (success, error or one of the result shapes). */
type ToolData = Partial<AdminDetail> & {
  requests?: AdminView[];
  next_cursor?: string | null;
  request?: AdminView;
  result?: { id: string }[];
  success?: boolean;
  error?: string;
};
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let h: Harness | undefined;
let client: Client | undefined;
/** Every response body the MCP client received, to prove no full key ever left the service. */
let seen: string[] = [];
afterEach(async () => {
  await client?.close();
  client = undefined;
  await h?.close();
  h = undefined;
  seen = [];
});

async function start(options: { admin?: boolean; startWorker?: boolean } = {}): Promise<Harness> {
  h = await startHarness({
    configYaml: REVIEW_CONFIG,
    ...(options.admin === false ? {} : { env: ADMIN_ENV }),
    startWorker: options.startWorker ?? true,
  });
  return h;
}

async function connect(harness: Harness, authorization = ADMIN_AUTH): Promise<Client> {
  client = await connectMcp(new URL('/mcp', harness.url), authorization, seen);
  return client;
}

async function callTool(mcp: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  const text = first?.type === 'text' ? first.text : '';
  return { result, text, data: (result.structuredContent ?? {}) as ToolData };
}

async function submitted(harness: Harness, email: string, model: string): Promise<string> {
  return String((await harness.submit(email, model)).body.request_id);
}

function post(harness: Harness, body: string, headers: Record<string, string>) {
  return fetch(`${harness.url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body });
}

describe('/mcp', () => {
  it('is off (404) without admin credentials', async () => {
    const harness = await start({ admin: false, startWorker: false });
    expect((await post(harness, JSON.stringify(INITIALIZE), { authorization: ADMIN_AUTH })).status).toBe(404);
    expect((await fetch(`${harness.url}/mcp`)).status).toBe(404);
  });

  describe('authentication', () => {
    it('answers 401 with a Basic challenge without or with wrong credentials (no MCP key set), before any MCP processing', async () => {
      const harness = await start({ startWorker: false });
      const id = await submitted(harness, 'dev@example.com', 'gpt-4');
      const deny = JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'deny_request', arguments: { request_id: id, reason: 'nope' } },
      });
      const refused: Record<string, string>[] = [
        {},
        { authorization: basicAuth('root', 'wrong') },
        { authorization: basicAuth('admin', 'correct horse') },
        { authorization: 'Bearer correct horse' },
      ];
      for (const headers of refused) {
        for (const body of [JSON.stringify(INITIALIZE), deny]) {
          const response = await post(harness, body, headers);
          expect(response.status).toBe(401);
          expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
          const text = await response.text();
          expect(JSON.parse(text)).toMatchObject({ success: false });
          expect(text).not.toContain('correct horse');
        }
      }
      // Even an oversized body is refused as unauthenticated, not read.
      expect((await post(harness, 'x'.repeat(20_000), {})).status).toBe(401);
      await expect(connect(harness, basicAuth('root', 'wrong'))).rejects.toThrow();
      expect((await harness.request(id)).state).toBe('in-review');
    });

    it('does not answer cross-origin under CORS_ORIGINS=*', async () => {
      const harness = await start({ startWorker: false });
      const response = await post(harness, JSON.stringify(INITIALIZE), {
        authorization: ADMIN_AUTH,
        origin: 'https://evil.example.com',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${harness.url}/mcp`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://evil.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('transport', () => {
    it('answers GET and DELETE with 405 and a JSON error: the endpoint is stateless, POST only', async () => {
      const harness = await start({ startWorker: false });
      for (const method of ['GET', 'DELETE']) {
        const response = await fetch(`${harness.url}/mcp`, {
          method,
          headers: { authorization: ADMIN_AUTH, accept: 'text/event-stream' },
        });
        expect(response.status, method).toBe(405);
        expect(response.headers.get('allow')).toBe('POST');
        expect(await response.json()).toMatchObject({
          success: false,
          message: expect.stringMatching(/POST/),
        });
      }
    });

    it('answers one SSE message without a session id, with the request id header, and refuses bodies over 16 KiB', async () => {
      const harness = await start({ startWorker: false });
      const response = await post(harness, JSON.stringify(INITIALIZE), {
        authorization: ADMIN_AUTH,
        'x-request-id': 'mcp-test-1',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('mcp-session-id')).toBeNull();
      expect(response.headers.get('x-request-id')).toBe('mcp-test-1');
      const events = (await response.text()).split('\n').filter((line) => line.startsWith('data: '));
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.slice('data: '.length) ?? '')).toMatchObject({
        jsonrpc: '2.0',
        id: 1,
        result: { serverInfo: { name: 'llm-key-requestor' } },
      });
      const padded = { ...INITIALIZE, params: { ...INITIALIZE.params, padding: 'x'.repeat(17 * 1024) } };
      expect((await post(harness, JSON.stringify(padded), { authorization: ADMIN_AUTH })).status).toBe(413);
      const metrics = await (await fetch(`${harness.url}/metrics`)).text();
      expect(metrics).toMatch(/route="\/mcp",status_code="200"/);
      const openapi = (await (await fetch(`${harness.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { security?: unknown }>>;
      };
      expect(Object.keys(openapi.paths['/mcp'] ?? {})).toEqual(['post']);
      expect(openapi.paths['/mcp']?.post?.security).toEqual([{ adminBasic: [] }]);
      expect(openapi.paths['/mcp/']).toBeUndefined();
    });

    it("lists our admin tools, with bounded input schemas, next to the original service's", async () => {
      const mcp = await connect(await start({ startWorker: false }));
      const { tools } = await mcp.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        'approve',
        'approve_request',
        'deny',
        'deny_request',
        'get_request',
        'list_models',
        'list_pending',
        'list_requests',
        'list_review',
        'pending',
        'request_key',
        'resend_notification',
        'review',
        'revoke_request',
      ]);
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      const deny = byName.get('deny_request');
      expect(deny?.inputSchema.required).toEqual(['request_id', 'reason']);
      expect(deny?.inputSchema.properties?.reason).toMatchObject({ minLength: 1, maxLength: 1000 });
      expect(deny?.inputSchema.properties?.request_id).toMatchObject({ pattern: '^[A-Za-z0-9-]{1,64}$' });
      expect(byName.get('approve_request')?.inputSchema.required).toEqual(['request_id']);
      expect(byName.get('list_requests')?.inputSchema.properties?.limit).toMatchObject({
        minimum: 1,
        maximum: 200,
      });
      expect(byName.get('list_requests')?.annotations?.readOnlyHint).toBe(true);
      expect(byName.get('revoke_request')?.annotations?.destructiveHint).toBe(true);
    });
  });

  describe('reading', () => {
    it('lists, pages and gets requests with keys only masked', async () => {
      const harness = await start();
      const review = await submitted(harness, 'r@example.com', 'gpt-4');
      const approved = await submitted(harness, 'a@example.com', 'ollama/llama2');
      await harness.settled(review);
      const minted = await harness.settled(approved);
      // The store keeps only the hash once the key is mailed; LiteLLM has the key itself.
      const fullKey = String(harness.litellm.liveKeys().find((key) => key.token === minted.keyHash)?.key);
      expect(fullKey).toMatch(/^sk-/);
      const mcp = await connect(harness);

      const all = await callTool(mcp, 'list_requests');
      expect(all.result.isError).toBeFalsy();
      expect(all.data.requests?.map((r: { request_id: string }) => r.request_id)).toEqual([approved, review]);
      expect(all.data.requests?.[0]).toMatchObject({
        email: 'a@example.com',
        model: 'ollama/llama2',
        state: 'approved',
        api_key: `sk-…${fullKey.slice(-4)}`,
        attempts: 0,
      });
      expect(JSON.parse(all.text)).toEqual(all.data);

      const inReview = await callTool(mcp, 'list_requests', { filter: 'review' });
      expect(inReview.data.requests?.map((r: { state: string }) => r.state)).toEqual(['in-review']);

      const first = await callTool(mcp, 'list_requests', { limit: 1 });
      expect(first.data.requests).toHaveLength(1);
      const second = await callTool(mcp, 'list_requests', { limit: 1, cursor: first.data.next_cursor });
      expect(second.data.requests?.[0]?.request_id).toBe(review);
      expect(second.data.next_cursor).toBeNull();

      const llama = await callTool(mcp, 'list_requests', { q: 'LLAMA' });
      expect(llama.data.requests?.map((r: { request_id: string }) => r.request_id)).toEqual([approved]);
      const oldest = await callTool(mcp, 'list_requests', { sort: 'created_at' });
      expect(oldest.data.requests?.map((r: { request_id: string }) => r.request_id)).toEqual([
        review,
        approved,
      ]);

      const one = await callTool(mcp, 'get_request', { request_id: approved });
      expect(one.data).toMatchObject({ request_id: approved, api_key: `sk-…${fullKey.slice(-4)}` });
      expect(one.data.history?.map((entry: { action: string }) => entry.action)).toContain('key-minted');

      const models = await callTool(mcp, 'list_models');
      expect(models.data.result?.map((m: { id: string }) => m.id)).toEqual(['gpt-4', 'ollama/llama2']);

      expect(seen.length).toBeGreaterThan(5);
      for (const body of seen) {
        expect(body).not.toContain(fullKey);
      }
    });

    it('rejects out-of-bounds input as a tool error', async () => {
      const mcp = await connect(await start({ startWorker: false }));
      for (const args of [
        { filter: 'everything' },
        { limit: 0 },
        { limit: 201 },
        { extra: 1 },
        { sort: 'newest' },
        { q: 'x'.repeat(255) },
      ]) {
        const listed = await callTool(mcp, 'list_requests', args);
        expect(listed.result.isError, JSON.stringify(args)).toBe(true);
      }
      const badId = await callTool(mcp, 'get_request', { request_id: '../etc/passwd' });
      expect(badId.result.isError).toBe(true);
      expect(badId.text).toMatch(/request id/);
    });

    it('reports an unavailable store as a readable tool error', async () => {
      const harness = await start({ startWorker: false });
      const mcp = await connect(harness);
      await harness.service.store.close();
      const listed = await callTool(mcp, 'list_requests');
      expect(listed.result.isError).toBe(true);
      expect(listed.data).toMatchObject({ success: false, error: 'store-unavailable' });
      expect(listed.text).toMatch(/store is unavailable/);
    });
  });

  describe('decisions', () => {
    it('approves an in-review request; the worker then mints and mails the key', async () => {
      const harness = await start();
      const id = await submitted(harness, 'dev@example.com', 'gpt-4');
      expect((await harness.settled(id)).state).toBe('in-review');
      const mcp = await connect(harness);
      const approved = await callTool(mcp, 'approve_request', { request_id: id });
      expect(approved.result.isError).toBeFalsy();
      expect(approved.data).toMatchObject({
        success: true,
        request: { request_id: id, state: 'approved', reason: 'Approved by an administrator' },
      });
      const done = await harness.settled(id);
      expect(done.history.map((entry) => entry.actor)).toContain('mcp:root');
      const live = harness.litellm.liveKeys();
      expect(live.map((key) => key.token)).toEqual([done.keyHash]);
      const fullKey = String(live[0]?.key);
      const mail = await harness.smtp.waitFor((m) => m.subject === 'API Key Approved for gpt-4');
      expect(mail.text).toContain(fullKey);
      const after = await callTool(mcp, 'get_request', { request_id: id });
      expect(after.data.api_key).toBe(`sk-…${fullKey.slice(-4)}`);
      for (const body of seen) {
        expect(body).not.toContain(fullKey);
      }
    });

    it('denies only with a reason, and mails it', async () => {
      const harness = await start();
      const id = await submitted(harness, 'dev@example.com', 'gpt-4');
      await harness.settled(id);
      const mcp = await connect(harness);
      for (const args of [{ request_id: id }, { request_id: id, reason: '   ' }]) {
        const refused = await callTool(mcp, 'deny_request', args);
        expect(refused.result.isError, JSON.stringify(args)).toBe(true);
        expect(refused.text).toMatch(/A reason is required to deny a request/);
      }
      const tooLong = await callTool(mcp, 'deny_request', { request_id: id, reason: 'x'.repeat(1001) });
      expect(tooLong.result.isError).toBe(true);
      expect((await harness.request(id)).state).toBe('in-review');

      const denied = await callTool(mcp, 'deny_request', { request_id: id, reason: 'Use the small model' });
      expect(denied.data.request).toMatchObject({ state: 'denied', reason: 'Use the small model' });
      const mail = await harness.smtp.waitFor((m) => m.subject === 'API Key Request Denied for gpt-4');
      expect(mail.text).toContain('Use the small model');
    });

    it('revokes an approved request: the key is deleted on LiteLLM and the requester told', async () => {
      const harness = await start();
      const id = await submitted(harness, 'dev@example.com', 'ollama/llama2');
      await harness.settled(id);
      expect(harness.litellm.liveKeys()).toHaveLength(1);
      const mcp = await connect(harness);
      const revoked = await callTool(mcp, 'revoke_request', { request_id: id, reason: 'Left the team' });
      expect(revoked.data.request).toMatchObject({ state: 'revoked', reason: 'Left the team' });
      await harness.settled(id);
      expect(harness.litellm.liveKeys()).toHaveLength(0);
      await harness.smtp.waitFor((m) => m.messageId === `<${id}.revocation.c1@llm-key-requestor>`);
    });

    it('re-sends a notification the worker gave up on, once, and refuses when none failed', async () => {
      const harness = await start({ startWorker: false });
      const id = await submitted(harness, 'dev@example.com', 'gpt-4');
      const mcp = await connect(harness);
      const nothing = await callTool(mcp, 'resend_notification', { request_id: id });
      expect(nothing.result.isError).toBe(true);
      expect(nothing.text).toMatch(/no failed notification/);
      // As the worker leaves a denial whose mail the server refused for good.
      const stored = await harness.request(id);
      await mustUpdate(harness.service.store, stored, {
        state: 'denied',
        reason: 'Not for this team',
        handledState: 'denied',
        notificationFailure: {
          kind: 'denial',
          error: '550 mailbox unavailable',
          at: new Date().toISOString(),
        },
      });
      harness.service.worker.start();

      const resent = await callTool(mcp, 'resend_notification', { request_id: id });
      expect(resent.result.isError).toBeFalsy();
      expect(resent.data).toMatchObject({ success: true, request: { request_id: id, state: 'denied' } });
      expect(resent.data.request?.notification_failure).toBeUndefined();
      const mail = await harness.smtp.waitFor((m) => m.messageId === `<${id}.denial.c1@llm-key-requestor>`);
      expect(mail.text).toContain('Not for this team');
      const done = await harness.settled(id);
      expect(done.history).toContainEqual(
        expect.objectContaining({ action: 'mail-resent', actor: 'mcp:root', reason: 'denial mail' }),
      );
      const again = await callTool(mcp, 'resend_notification', { request_id: id });
      expect(again.result.isError).toBe(true);
    });

    it('answers a transition the state does not allow and an unknown id with tool errors', async () => {
      const harness = await start({ startWorker: false });
      const id = await submitted(harness, 'dev@example.com', 'gpt-4');
      const mcp = await connect(harness);

      const revokeParked = await callTool(mcp, 'revoke_request', { request_id: id, reason: 'x' });
      expect(revokeParked.result.isError).toBe(true);
      expect(revokeParked.text).toMatch(/Cannot revoke a request that is in-review/);
      expect(revokeParked.data).toMatchObject({ success: false, error: 'conflict' });
      expect((await harness.request(id)).state).toBe('in-review');

      await callTool(mcp, 'deny_request', { request_id: id, reason: 'no' });
      const denyDenied = await callTool(mcp, 'deny_request', { request_id: id, reason: 'still no' });
      expect(denyDenied.result.isError).toBe(true);
      expect(denyDenied.text).toMatch(/Cannot deny a request that is denied/);
      expect((await harness.request(id)).state).toBe('denied');
      const reissued = await callTool(mcp, 'approve_request', { request_id: id });
      expect(reissued.data).toMatchObject({ success: true, request: { state: 'approved', cycle: 2 } });

      for (const [name, args] of [
        ['get_request', { request_id: UNKNOWN_ID }],
        ['approve_request', { request_id: UNKNOWN_ID }],
        ['revoke_request', { request_id: UNKNOWN_ID, reason: 'x' }],
      ] as const) {
        const unknown = await callTool(mcp, name, args);
        expect(unknown.result.isError, name).toBe(true);
        expect(unknown.data, name).toMatchObject({ error: 'not-found' });
        expect(unknown.text, name).toContain(UNKNOWN_ID);
      }
    });
  });
});
