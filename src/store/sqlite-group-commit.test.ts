import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGroupCommit } from './sqlite-group-commit.js';

describe('sqlite group commit', () => {
  let dir: string;
  let db: Database.Database;
  /** A second connection to the same file: it sees only what was committed. */
  let reader: Database.Database;
  let groups: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lkr-group-commit-'));
    db = new Database(join(dir, 'test.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (name TEXT PRIMARY KEY)');
    reader = new Database(join(dir, 'test.db'), { readonly: true });
    groups = 0;
  });

  afterEach(async () => {
    reader.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const insert = (name: string) => () => db.prepare('INSERT INTO t (name) VALUES (?)').run(name).changes;
  const committed = () =>
    (reader.prepare('SELECT name FROM t ORDER BY name').all() as { name: string }[]).map((row) => row.name);

  it('commits the writes of one turn of the event loop as one transaction', async () => {
    const writes = createGroupCommit({ db, afterCommit: () => void groups++ });
    const first = [writes.write(insert('a')), writes.write(insert('b')), writes.write(insert('c'))];
    expect(committed()).toEqual([]);
    expect(await Promise.all(first)).toEqual([1, 1, 1]);
    expect(groups).toBe(1);
    await writes.write(insert('d'));
    expect(groups).toBe(2);
    expect(committed()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('resolves a write only once it is committed and the after-commit work has run', async () => {
    const seen: string[][] = [];
    const writes = createGroupCommit({ db, afterCommit: () => void seen.push(committed()) });
    await writes.write(insert('a'));
    expect(seen).toEqual([['a']]);
  });

  it('lets each write see the writes queued before it in its group', async () => {
    const writes = createGroupCommit({ db, afterCommit: () => void groups++ });
    const results = await Promise.all([
      writes.write(insert('a')),
      writes.write(
        () => db.prepare("INSERT INTO t (name) VALUES ('a') ON CONFLICT DO NOTHING").run().changes,
      ),
    ]);
    expect(results).toEqual([1, 0]);
    expect(groups).toBe(1);
  });

  it('rejects only the write that failed; the rest of its group commits', async () => {
    const writes = createGroupCommit({ db, afterCommit: () => void groups++ });
    const outcomes = await Promise.allSettled([
      writes.write(insert('a')),
      writes.write(insert('a')),
      writes.write(insert('b')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(committed()).toEqual(['a', 'b']);
  });

  it('rejects every write of a group whose transaction ended, and none of them is stored', async () => {
    const writes = createGroupCommit({ db, afterCommit: () => void groups++ });
    const outcomes = await Promise.allSettled([
      writes.write(insert('a')),
      writes.write(() => {
        // What SQLite does on an error that ends the transaction (disk full, I/O).
        db.prepare('ROLLBACK').run();
        throw new Error('disk I/O error');
      }),
      writes.write(insert('b')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(committed()).toEqual([]);
    expect(groups).toBe(0);
    expect(db.inTransaction).toBe(false);
    await writes.write(insert('c'));
    expect(committed()).toEqual(['c']);
  });

  it('holds groups back while exclusive work runs, and commits them after it', async () => {
    let finish: () => void = () => undefined;
    const writes = createGroupCommit({ db, afterCommit: () => void groups++ });
    const exclusive = writes.exclusive(
      () =>
        new Promise<string>((resolve) => {
          finish = () => resolve('truncated');
        }),
    );
    const written = writes.write(insert('a'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(committed()).toEqual([]);
    finish();
    expect(await exclusive).toBe('truncated');
    expect(await written).toBe(1);
    expect(committed()).toEqual(['a']);
  });

  it('runs exclusive work one at a time, and a failed one holds nothing back', async () => {
    const writes = createGroupCommit({ db });
    const order: string[] = [];
    const first = writes.exclusive(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push('first');
      throw new Error('truncate failed');
    });
    const second = writes.exclusive(async () => {
      order.push('second');
    });
    await expect(first).rejects.toThrow('truncate failed');
    await second;
    expect(order).toEqual(['first', 'second']);
    expect(await writes.write(insert('a'))).toBe(1);
  });

  it('commits what is queued on drain and waits for it', async () => {
    const writes = createGroupCommit({ db, afterCommit: () => void groups++ });
    const written = writes.write(insert('a'));
    await writes.drain();
    expect(committed()).toEqual(['a']);
    expect(groups).toBe(1);
    await written;
  });
});
