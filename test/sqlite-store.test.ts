import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isDue } from '../src/requests/duties.js';
import { storeCall } from '../src/shared/errors.js';
import type { RequestPatch } from '../src/store/request-store.js';
import { CLAIM_DUE_SQL, createSqliteStore } from '../src/store/sqlite-store.js';
import { describeRequestStoreContract } from './store-contract.js';
import { mustUpdate } from './support/must-update.js';

const DAY = 86_400_000;

async function tempDir() {
  return mkdtemp(join(tmpdir(), 'lkr-sqlite-'));
}

describeRequestStoreContract('sqlite', async (now) => {
  const dir = await tempDir();
  const store = createSqliteStore({ path: join(dir, 'nested', 'requests.db'), now });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite store', () => {
  it('keeps requests across a reopen of the file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    try {
      const first = createSqliteStore({ path });
      const { request } = await first.create({ email: 'a@example.com', model: 'm1' });
      await first.close();
      const second = createSqliteStore({ path });
      expect(await second.get(request.id)).toEqual(request);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('enforces email+model uniqueness across two connections to one file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    const a = createSqliteStore({ path });
    const b = createSqliteStore({ path });
    try {
      const [x, y] = await Promise.all([
        a.create({ email: 'a@example.com', model: 'm1' }),
        b.create({ email: 'a@example.com', model: 'm1' }),
      ]);
      expect(x.request.id).toBe(y.request.id);
      expect([x.created, y.created].sort()).toEqual([false, true]);
    } finally {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('raises internal for a row it cannot decode, and store-unavailable once closed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    const store = createSqliteStore({ path });
    try {
      const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
      const other = new Database(path);
      try {
        other.prepare('UPDATE key_requests SET state = ? WHERE id = ?').run('archived', request.id);
      } finally {
        other.close();
      }
      const corrupt = await storeCall(() => store.get(request.id)).catch((e: unknown) => e);
      expect(corrupt).toMatchObject({ code: 'internal', retry: false });
      expect((corrupt as Error).message).toBe(`key request ${request.id} has an unknown state "archived"`);
      await store.close();
      await expect(storeCall(() => store.get(request.id))).rejects.toMatchObject({
        code: 'store-unavailable',
        retry: true,
      });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists newest first', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const first = (await store.create({ email: 'a@example.com', model: 'm1' })).request;
    const second = (await store.create({ email: 'b@example.com', model: 'm1' })).request;
    expect((await store.list({ limit: 10 })).items.map((r) => r.id)).toEqual([second.id, first.id]);
    await store.close();
  });
});

/** The schema of the first release, as its files are on disk. */
const FIRST_RELEASE_SCHEMA = `
CREATE TABLE key_requests (
  seq             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL UNIQUE,
  email           TEXT NOT NULL,
  model           TEXT NOT NULL,
  state           TEXT NOT NULL,
  reason          TEXT,
  api_key         TEXT,
  pending_key     TEXT,
  handled_state   TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  version         INTEGER NOT NULL DEFAULT 1,
  lease_owner     TEXT,
  lease_until     INTEGER,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  UNIQUE (email, model)
);
CREATE INDEX key_requests_due ON key_requests (next_attempt_at) WHERE handled_state IS NOT state;
CREATE INDEX key_requests_state ON key_requests (state, seq);
INSERT INTO key_requests (id, email, model, state, reason, api_key, handled_state, created_at, updated_at, version)
VALUES ('old-1', 'old@example.com', 'gpt-4o', 'approved', 'whitelisted', 'sk-old-key-1234', 'approved',
        '2024-01-01T00:00:00.000Z', '2024-01-01T00:01:00.000Z', 4);
`;

describe('sqlite store: a file of the first release', () => {
  it('is upgraded in place: old rows read as first cycle, no history, no expiry; new fields work', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    const old = new Database(path);
    old.exec(FIRST_RELEASE_SCHEMA);
    old.close();
    try {
      const store = createSqliteStore({ path });
      const request = await store.get('old-1');
      expect(request).toMatchObject({
        email: 'old@example.com',
        state: 'approved',
        apiKey: 'sk-old-key-1234',
        cycle: 1,
        history: [],
        expiresAt: null,
        keyHash: null,
        keyHint: null,
        notifyEmail: null,
        language: null,
        remindedCycle: 0,
        notificationFailure: null,
        linkMail: null,
        lastLinkMailHour: null,
        version: '4',
      });
      if (!request) {
        throw new Error('old row not read');
      }
      const renewed = await mustUpdate(store, request, {
        state: 'pending',
        cycle: 2,
        append: [
          { actor: 'requester', action: 'renewal-requested', from: 'approved', to: 'pending', reason: null },
        ],
      });
      expect(renewed).toMatchObject({ state: 'pending', cycle: 2, handledState: null });
      expect(renewed.history.map((entry) => entry.action)).toEqual(['renewal-requested']);
      await store.close();
      // Opening it again (a second process, a restart) changes nothing more.
      const again = createSqliteStore({ path });
      expect(await again.get('old-1')).toEqual(renewed);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store: keys at rest', () => {
  async function fileBytes(path: string): Promise<Buffer> {
    return existsSync(path) ? readFile(path) : Buffer.alloc(0);
  }

  it('creates its directory 0700 and its files 0600', async () => {
    const dir = await tempDir();
    const path = join(dir, 'fresh', 'nested', 'requests.db');
    try {
      const store = createSqliteStore({ path });
      await store.create({ email: 'a@example.com', model: 'm1' });
      expect((await stat(join(dir, 'fresh'))).mode & 0o777).toBe(0o700);
      expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(`${path}-wal`)).mode & 0o777).toBe(0o600);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves an existing directory and file as the operator made them', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    try {
      await chmod(dir, 0o750);
      await writeFile(path, '', { mode: 0o640 });
      await chmod(path, 0o640);
      const store = createSqliteStore({ path });
      await store.close();
      expect((await stat(dir)).mode & 0o777).toBe(0o750);
      expect((await stat(path)).mode & 0o777).toBe(0o640);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps a dropped key in neither the database file nor the WAL', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    const key = `sk-${'Q'.repeat(20)}secret${Date.now()}`;
    const inFiles = async () =>
      Buffer.concat([await fileBytes(path), await fileBytes(`${path}-wal`)]).includes(Buffer.from(key));
    try {
      const store = createSqliteStore({ path });
      const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
      const reserved = await mustUpdate(store, request, { state: 'approved', pendingKey: key });
      const minted = await mustUpdate(store, reserved, {
        apiKey: key,
        pendingKey: null,
        keyHint: key.slice(-4),
      });
      // Some bookkeeping in between, as the worker does.
      const mailed = await mustUpdate(store, minted, { handledState: 'approved', work: { attempts: 0 } });
      expect(await inFiles()).toBe(true);
      await mustUpdate(store, mailed, { apiKey: null });
      expect(await inFiles()).toBe(false);
      await store.close();
      expect(await inFiles()).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store: the WAL', () => {
  it('keeps the WAL near 4 MB however much is written, checkpointing it away from the event loop', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    const store = createSqliteStore({ path });
    try {
      let largest = 0;
      // Some 10 MB of WAL if nothing checkpointed it: 2,000 requests in groups of 50.
      for (let group = 0; group < 40; group++) {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.create({ email: `u${group}-${i}@example.com`, model: 'm' }),
          ),
        );
        largest = Math.max(largest, (await stat(`${path}-wal`)).size);
      }
      expect(largest).toBeGreaterThan(3_000_000);
      expect(largest).toBeLessThan(5_000_000);
      expect((await store.list({ limit: 500 })).items).toHaveLength(500);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite store: claiming', () => {
  it('finds due requests through its partial indexes, never by scanning the table', async () => {
    const dir = await tempDir();
    const path = join(dir, 'requests.db');
    try {
      await createSqliteStore({ path }).close();
      const db = new Database(path);
      const plan = db
        .prepare(`EXPLAIN QUERY PLAN ${CLAIM_DUE_SQL}`)
        .all({ owner: 'w', leaseUntil: 1, now: 1, nowIso: 'x', horizon: 'y', remind: 1, limit: 5 })
        .map((step) => (step as { detail: string }).detail);
      db.close();
      expect(plan.filter((detail) => detail.startsWith('SCAN key_requests'))).toEqual([]);
      for (const index of ['key_requests_due', 'key_requests_link_mail', 'key_requests_expiry']) {
        expect(plan.some((detail) => detail.includes(`USING INDEX ${index}`))).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('claims exactly the requests isDue calls due, for a mix of states, times and leases', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const now = Date.now();
    const policy = { remindBeforeMs: 7 * DAY };
    const variants: RequestPatch[] = [];
    for (const state of ['pending', 'approved', 'denied', 'expired'] as const) {
      for (const handled of [null, state]) {
        for (const expiresIn of [null, -DAY, 3 * DAY, 30 * DAY]) {
          for (const reminded of [0, 1]) {
            for (const extra of [{}, { linkMail: { hour: 1 } }, { work: { nextAttemptAt: now + DAY } }]) {
              variants.push({
                state,
                handledState: handled,
                expiresAt: expiresIn === null ? null : new Date(now + expiresIn).toISOString(),
                remindedCycle: reminded,
                ...extra,
              });
            }
          }
        }
      }
    }
    const stored = [];
    for (const [index, patch] of variants.entries()) {
      const { request } = await store.create({ email: `u${index}@example.com`, model: 'm1' });
      stored.push(await mustUpdate(store, request, patch));
    }
    const expected = stored.filter((request) => isDue(request, now, policy)).map((r) => r.id);
    const claimed = await store.claimDue({ owner: 'w', now, leaseMs: 60_000, limit: 10_000, policy });
    expect(claimed.map((r) => r.id).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(stored.length);
    await store.close();
  });
});
