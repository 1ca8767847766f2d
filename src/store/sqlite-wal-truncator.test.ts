import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createWalTruncator } from './sqlite-wal-truncator.js';

describe('sqlite WAL truncator', () => {
  it('cuts the WAL to zero bytes from its own thread, the written data kept in the database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lkr-truncator-'));
    const path = join(dir, 'test.db');
    const db = new Database(path);
    const truncator = createWalTruncator(path);
    try {
      db.pragma('journal_mode = WAL');
      db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('sk-written')");
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);

      expect(await truncator.truncate()).toBe(true);

      expect(statSync(`${path}-wal`).size).toBe(0);
      db.exec("UPDATE t SET v = 'sk-second'");
      expect(await Promise.all([truncator.truncate(), truncator.truncate()])).toEqual([true, true]);
      expect(statSync(`${path}-wal`).size).toBe(0);
      expect(db.prepare('SELECT v FROM t').pluck().get()).toBe('sk-second');
    } finally {
      await truncator.close();
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts no thread until asked, and closes without one', async () => {
    const truncator = createWalTruncator(join(tmpdir(), 'never-opened.db'));
    await truncator.close();
    expect(existsSync(join(tmpdir(), 'never-opened.db'))).toBe(false);
  });

  it('rejects when the file cannot be opened, and tries again on the next call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lkr-truncator-'));
    const truncator = createWalTruncator(join(dir, 'missing', 'test.db'));
    try {
      await expect(truncator.truncate()).rejects.toThrow(/exited|Cannot open database/);
      await expect(truncator.truncate()).rejects.toThrow(/exited|Cannot open database/);
    } finally {
      await truncator.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
