import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import { describeRequestStoreContract } from './store-contract.js';

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

  it('lists newest first', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const first = (await store.create({ email: 'a@example.com', model: 'm1' })).request;
    const second = (await store.create({ email: 'b@example.com', model: 'm1' })).request;
    expect((await store.list({ limit: 10 })).items.map((r) => r.id)).toEqual([second.id, first.id]);
    await store.close();
  });
});
