import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_AUTH, ADMIN_ENV, type Harness, startHarness } from './support/service-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The service on SQLite with one request, logging into `lines`. */
async function serviceWithRequest() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  h = await startHarness({ env: ADMIN_ENV, startWorker: false, logger });
  const { body } = await h.submit('alice@example.com', 'gpt-4');
  return { id: String(body.request_id), errors: () => lines.filter((line) => line.level === 50) };
}

async function adminGet(id: string) {
  const response = await fetch(`${h?.url}/api/admin/requests/${id}`, {
    headers: { authorization: ADMIN_AUTH },
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('store failures over HTTP', () => {
  it('answers a corrupt record 500 without its details, logged as an error naming the record', async () => {
    const { id, errors } = await serviceWithRequest();
    // Another process damages the row (a hand edit, a bad restore).
    const db = new Database(join(h?.dir ?? '', 'requests.db'));
    try {
      db.prepare('UPDATE key_requests SET history = ? WHERE id = ?').run('[{"at":', id);
    } finally {
      db.close();
    }
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

  it('answers a store that does not answer 503, telling the client to retry, logged as an error', async () => {
    const { id, errors } = await serviceWithRequest();
    await h?.service.store.close();
    expect(await adminGet(id)).toEqual({
      status: 503,
      body: { message: 'The request store is unavailable, please retry shortly', success: false },
    });
    expect(errors()).toHaveLength(1);
    expect(errors()[0]).toMatchObject({ code: 'store-unavailable' });
  });
});
