import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMcp } from './support/mcp-client.js';
import {
  ADMIN_AUTH,
  ADMIN_ENV,
  type Harness,
  STORE_KINDS,
  type StoreKind,
  startHarness,
} from './support/service-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The service on `store` with one request, logging into `lines`. */
async function serviceWithRequest(store: StoreKind = 'sqlite') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  h = await startHarness({ env: ADMIN_ENV, startWorker: false, logger, store });
  const { body } = await h.submit('alice@example.com', 'gpt-4');
  return { id: String(body.request_id), errors: () => lines.filter((line) => line.level === 50) };
}

/** Another process damages the row (a hand edit, a bad restore): its history no longer parses. */
function damageHistory(id: string): void {
  const db = new Database(join(h?.dir ?? '', 'requests.db'));
  try {
    db.prepare('UPDATE key_requests SET history = ? WHERE id = ?').run('[{"at":', id);
  } finally {
    db.close();
  }
}

async function adminGet(id: string) {
  const response = await fetch(`${h?.url}/api/admin/requests/${id}`, {
    headers: { authorization: ADMIN_AUTH },
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** The MCP tool `get_request` for `id`, over a connection opened and closed for it. */
async function mcpGetRequest(id: string): Promise<CallToolResult> {
  const client = await connectMcp(new URL('/mcp', h?.url), ADMIN_AUTH, []);
  try {
    return (await client.callTool({ name: 'get_request', arguments: { request_id: id } })) as CallToolResult;
  } finally {
    await client.close();
  }
}

describe('store failures over HTTP', () => {
  // SQLite only: on Kubernetes a Secret that cannot be read is skipped and logged as a warning,
  // never guessed at (docs/design.md, "Kubernetes Secret layout"), so a look-up does not find it.
  it('answers a corrupt record 500 without its details, logged as an error naming the record', async () => {
    const { id, errors } = await serviceWithRequest();
    damageHistory(id);
    expect(await adminGet(id)).toEqual({
      status: 500,
      body: { message: 'Internal server error', success: false },
    });
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({
      code: 'internal',
      msg: `key request ${id}: column history is not valid JSON`,
    });
  });

  it('answers a corrupt record over MCP as an internal tool error without its details, logged as an error', async () => {
    const { id, errors } = await serviceWithRequest();
    damageHistory(id);
    const result = await mcpGetRequest(id);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual({
      success: false,
      error: 'internal',
      message: 'Internal error: the tool failed; the server log has the details',
    });
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({
      code: 'internal',
      tool: 'get_request',
      msg: `key request ${id}: column history is not valid JSON`,
    });
  });

  it.each(STORE_KINDS)(
    'answers a store that does not answer 503 (%s), telling the client to retry, logged as an error',
    async (store) => {
      const { id, errors } = await serviceWithRequest(store);
      if (h?.kube) {
        h.kube.fake.injectFault({ status: 503 });
      } else {
        await h?.service.store.close();
      }
      expect(await adminGet(id)).toEqual({
        status: 503,
        body: { message: 'The request store is unavailable, please retry shortly', success: false },
      });
      expect(errors()).toHaveLength(1);
      expect(errors()[0]).toMatchObject({ code: 'store-unavailable' });
    },
  );

  it('answers a Kubernetes store that does not answer over MCP without naming the API server or namespace', async () => {
    const { id, errors } = await serviceWithRequest('kubernetes');
    h?.kube?.fake.injectFault({ status: 503 });
    const result = await mcpGetRequest(id);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual({
      success: false,
      error: 'store-unavailable',
      message: 'Store unavailable: The request store is unavailable, please retry shortly',
    });
    // The log has what the answer leaves out.
    expect(errors()).toHaveLength(1);
    expect(JSON.stringify(errors()[0])).toContain('127.0.0.1');
  });
});
