import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/support/wait.js';
import { createWalCheckpointer } from './sqlite-wal-checkpointer.js';

/** A WAL file's header, and one frame (its header and a 4 KiB page). */
const WAL_HEADER = 32;
const FRAME = 24 + 4096;

describe('sqlite WAL checkpointer', () => {
  it('empties the WAL from its own thread, the written data kept in the database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lkr-checkpointer-'));
    const path = join(dir, 'test.db');
    const db = new Database(path);
    const checkpointer = createWalCheckpointer(path);
    const walHolds = (text: string) => readFileSync(`${path}-wal`).includes(Buffer.from(text));
    try {
      db.pragma('journal_mode = WAL');
      db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('sk-written')");
      expect(walHolds('sk-written')).toBe(true);

      expect(await checkpointer.checkpoint('TRUNCATE')).toBe(true);

      // Cut, then started again by the thread: its header and the database header page, no row.
      expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(WAL_HEADER + FRAME);
      expect(walHolds('sk-written')).toBe(false);
      db.exec("UPDATE t SET v = 'sk-second'");
      expect(
        await Promise.all([checkpointer.checkpoint('TRUNCATE'), checkpointer.checkpoint('TRUNCATE')]),
      ).toEqual([true, true]);
      expect(walHolds('sk-second')).toBe(false);
      expect(db.prepare('SELECT v FROM t').pluck().get()).toBe('sk-second');
    } finally {
      await checkpointer.close();
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('checkpoints passively too, leaving the WAL file for the next writer to reuse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lkr-checkpointer-'));
    const path = join(dir, 'test.db');
    const db = new Database(path);
    const checkpointer = createWalCheckpointer(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('wal_autocheckpoint = 0');
      db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a')");
      const before = statSync(`${path}-wal`).size;

      expect(await checkpointer.checkpoint('PASSIVE')).toBe(true);

      expect(statSync(`${path}-wal`).size).toBe(before);
      const reader = new Database(path, { readonly: true });
      expect(reader.prepare('SELECT v FROM t').pluck().get()).toBe('a');
      reader.close();
    } finally {
      await checkpointer.close();
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends its thread once idle, closing its connection, and starts another for the next checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lkr-checkpointer-'));
    const path = join(dir, 'test.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT)');
    // The checkpoint thread is one more thread of the process. Its connection's files: SQLite
    // keeps a closed connection's descriptor of a file another connection of the process has
    // locked, and reuses it for the next open, so a thread that ended without closing would
    // leave more open files after every start.
    const threads = () => readdirSync('/proc/self/task').length;
    const files = () => readdirSync('/proc/self/fd').length;
    const before = threads();
    const checkpointer = createWalCheckpointer(path, { idleMs: 50 });
    const filesAfterEnd: number[] = [];
    try {
      for (const value of ['sk-first', 'sk-second', 'sk-third']) {
        db.prepare('INSERT INTO t VALUES (?)').run(value);
        expect(await checkpointer.checkpoint('TRUNCATE')).toBe(true);
        expect(readFileSync(`${path}-wal`).includes(Buffer.from(value))).toBe(false);
        await waitUntil(() => threads() === before, { what: 'the idle checkpoint thread to end' });
        filesAfterEnd.push(files());
      }
      expect(filesAfterEnd[2]).toBe(filesAfterEnd[0]);
      expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(3);
    } finally {
      await checkpointer.close();
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts no thread until asked, and closes without one', async () => {
    const checkpointer = createWalCheckpointer(join(tmpdir(), 'never-opened.db'));
    await checkpointer.close();
    expect(existsSync(join(tmpdir(), 'never-opened.db'))).toBe(false);
  });

  it('rejects when the file cannot be opened, and tries again on the next call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lkr-checkpointer-'));
    const checkpointer = createWalCheckpointer(join(dir, 'missing', 'test.db'));
    try {
      await expect(checkpointer.checkpoint('TRUNCATE')).rejects.toThrow(/exited|Cannot open database/);
      await expect(checkpointer.checkpoint('TRUNCATE')).rejects.toThrow(/exited|Cannot open database/);
    } finally {
      await checkpointer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
