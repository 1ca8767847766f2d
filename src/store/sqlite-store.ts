import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { foldEmail } from '../requests/email.js';
import { changesOf, newRequest, type RequestChanges, withChanges } from '../requests/request-rules.js';
import { type KeyRequest, REQUEST_STATES, type RequestState } from '../requests/request-types.js';
import { AppError, corruptRecord } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';
import {
  type ClaimOptions,
  isSharedSecretName,
  type ListOptions,
  type NewRequest,
  type Page,
  type RequestStore,
  type StoreStats,
  staleVersion,
  unknownRequest,
} from './request-store.js';
import { createGroupCommit } from './sqlite-group-commit.js';
import { listQuery } from './sqlite-list.js';
import {
  BRIEF_COLUMNS,
  type BriefRow,
  FIELD_COLUMNS,
  migrate,
  type Row,
  type RowValues,
  toBrief,
  toRequest,
  toRow,
  WORK_COLUMNS,
} from './sqlite-schema.js';
import { createWalCheckpointer } from './sqlite-wal-checkpointer.js';
import { createWalTruncation } from './sqlite-wal-truncation.js';

interface ClaimParameters {
  owner: string;
  leaseUntil: number;
  now: number;
  nowIso: string;
  horizon: string;
  remind: number;
  limit: number;
}

/** The WAL size past which it is checkpointed: SQLite's automatic checkpoint default, 1,000 pages. */
const WAL_CHECKPOINT_BYTES = 1000 * 4096;

/** The least time between two WAL truncates (sqlite-wal-truncation.ts): each holds the store's
 * writes back for some milliseconds; a write that dropped a key waits at most this much longer. */
const TRUNCATE_INTERVAL_MS = 25;

const LEASE_FREE = 'next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)';

/** isDue of requests/duties.ts in SQL, one branch per kind of duty, each served by its partial
 * index (sqlite-schema.ts; named, so a change that makes one unusable fails instead of turning
 * into a table scan), so claiming costs what is due, not what is stored. Each branch takes at
 * most `@limit` rows in claim order before the branches are merged: the first two walk their
 * index in that order and stop, so a claim reads the rows it leases plus those leased already,
 * not every request waiting (2,000 new requests would otherwise be sorted on every claim).
 * UNION ALL: a request in two branches is still leased once (`seq IN`). Expiry times are
 * ISO text in toISOString() form, so comparing the text compares the times; `@horizon` is now +
 * remind_before (now when reminders are off). Exported for the test that checks its query plan. */
export const CLAIM_DUE_SQL = `
  UPDATE key_requests SET lease_owner = @owner, lease_until = @leaseUntil, version = version + 1
  WHERE seq IN (
    SELECT seq FROM (
      SELECT * FROM (
        SELECT seq, next_attempt_at FROM key_requests INDEXED BY key_requests_due
        WHERE handled_state IS NOT state AND ${LEASE_FREE}
        ORDER BY next_attempt_at, seq LIMIT @limit)
      UNION ALL
      SELECT * FROM (
        SELECT seq, next_attempt_at FROM key_requests INDEXED BY key_requests_link_mail
        WHERE link_mail_hour IS NOT NULL AND ${LEASE_FREE}
        ORDER BY next_attempt_at, seq LIMIT @limit)
      UNION ALL
      SELECT * FROM (
        SELECT seq, next_attempt_at FROM key_requests INDEXED BY key_requests_expiry
        WHERE state = 'approved' AND handled_state = 'approved' AND expires_at IS NOT NULL
          AND expires_at <= @horizon AND (expires_at <= @nowIso OR (@remind AND reminded_cycle < cycle))
          AND ${LEASE_FREE}
        ORDER BY next_attempt_at, seq LIMIT @limit)
    )
    ORDER BY next_attempt_at, seq LIMIT @limit)
  RETURNING *`;

export interface SqliteStoreDeps {
  path: string;
  /** Clock for timestamps; injectable so tests can pin time. */
  now?: () => Date;
}

/** RequestStore on an embedded SQLite file (WAL). Several processes may share the file:
 * every check-and-write is a single statement, so SQLite's locking makes it atomic. Writes are
 * group-committed (sqlite-group-commit.ts): those made during one turn of the event loop share a
 * transaction, each still its own compare-and-set; reads see what is committed. */
export function createSqliteStore({ path, now = () => new Date() }: SqliteStoreDeps): RequestStore {
  const db = new Database(prepareFile(path));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Freed space is overwritten with zeros, so a cleared key does not linger in free pages.
  db.pragma('secure_delete = ON');
  // SQLite's own default page cache, 2 MiB (better-sqlite3 builds it with 16 MiB): malloc'd
  // memory that a large store fills and keeps resident, and that SQLite empties anyway whenever
  // another connection has written (the checkpoint thread after each truncate) (docs/performance.md,
  // "Resident memory: the checkpoint thread and one module for the server").
  db.pragma('cache_size = -2000');
  migrate(db);

  const columns = Object.keys(toRow(newRequest({ id: '', email: '', model: '' }, ''))) as (keyof RowValues)[];
  // Positional parameters and only the version back: binding 26 named parameters and reading
  // the whole row back cost more than the rest of the insert (the request is the one inserted).
  const insert = db.prepare<unknown[], { version: number }>(`
    INSERT INTO key_requests (${columns.join(', ')})
    VALUES (${columns.map(() => '?').join(', ')})
    ON CONFLICT (email, model) DO NOTHING
    RETURNING version`);
  const byId = db.prepare<[string], Row>('SELECT * FROM key_requests WHERE id = ?');
  const byEmailModel = db.prepare<[string, string], Row>(
    'SELECT * FROM key_requests WHERE email = ? AND model = ?',
  );
  const briefByEmailModel = db.prepare<[string, string], BriefRow>(
    `SELECT ${BRIEF_COLUMNS} FROM key_requests WHERE email = ? AND model = ?`,
  );
  const claim = db.prepare<[ClaimParameters], Row>(CLAIM_DUE_SQL);
  const countByState = db.prepare<[], { state: string; n: number }>(
    'SELECT state, count(*) AS n FROM key_requests GROUP BY state',
  );
  const failedNotifications = db.prepare<[], { n: number }>(
    'SELECT count(*) AS n FROM key_requests WHERE notification_failure IS NOT NULL',
  );
  const waiting = db.prepare<[], { n: number; oldest: string | null }>(
    'SELECT count(*) AS n, min(updated_at) AS oldest FROM key_requests WHERE handled_state IS NOT state',
  );
  const insertSecret = db.prepare<[string, Buffer]>(
    'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
  );
  const secretByName = db.prepare<[string], { value: Buffer }>('SELECT value FROM settings WHERE name = ?');

  // Patches come in a handful of shapes (the worker's steps, admin decisions): prepare each shape once.
  const statements = new Map<string, Database.Statement>();
  function prepared(sql: string): Database.Statement {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  }

  /** An in-memory database has no WAL file. A file's checkpoints run in a thread: with its own
   * automatic checkpoints off, the store's connection never waits for the disk (a commit in WAL
   * mode with synchronous=NORMAL does not sync; a checkpoint does). */
  const checkpointer = db.memory ? null : createWalCheckpointer(path);
  if (checkpointer !== null) {
    db.pragma('wal_autocheckpoint = 0');
  }
  function walBytes(): number {
    try {
      return statSync(`${path}-wal`).size;
    } catch {
      return 0;
    }
  }
  const writes = createGroupCommit({
    db,
    // A WAL grown past what SQLite's automatic checkpoint would let it grow to is truncated too.
    afterCommit: () => {
      if (truncation !== null && walBytes() > WAL_CHECKPOINT_BYTES) {
        truncation.soon();
      }
    },
  });
  const truncation =
    checkpointer === null
      ? null
      : createWalTruncation({ checkpointer, writes, intervalMs: TRUNCATE_INTERVAL_MS });

  return {
    async create(input: NewRequest) {
      const email = foldEmail(input.email);
      const fresh = newRequest({ ...input, id: randomUUID(), email }, now().toISOString());
      const row = toRow(fresh);
      const values = columns.map((column) => row[column]);
      const written = await writes.write(
        // The insert, or the request another create (of this group, or of another process) made.
        () => insert.get(values) ?? { existing: byEmailModel.get(email, input.model) },
      );
      if ('version' in written) {
        return { request: { ...fresh, version: String(written.version) }, created: true };
      }
      if (!written.existing) {
        // Only reachable if the conflicting row was deleted between the two statements.
        throw corruptRecord('key request vanished during create');
      }
      return { request: toRequest(written.existing), created: false };
    },

    async get(id) {
      const row = byId.get(id);
      return row ? toRequest(row) : null;
    },

    async findByEmailAndModel(email, model) {
      const row = byEmailModel.get(foldEmail(email), model);
      return row ? toRequest(row) : null;
    },

    async findBriefByEmailAndModel(email, model) {
      const row = briefByEmailModel.get(foldEmail(email), model);
      return row ? toBrief(row) : null;
    },

    async list(options: ListOptions): Promise<Page<KeyRequest>> {
      const query = listQuery(options);
      if (query === null) {
        return { items: [], nextCursor: null };
      }
      const rows = prepared(query.sql).all(...query.values) as Row[];
      const page = rows.slice(0, query.size);
      const last = page.at(-1);
      return {
        items: page.map(toRequest),
        nextCursor: rows.length > query.size && last ? query.cursorOf(last) : null,
      };
    },

    async update(id, version, patch) {
      const written = await writes.write((): { result: Result<KeyRequest>; dropped: boolean } => {
        const row = byId.get(id);
        if (!row) {
          return { result: fail(unknownRequest(id)), dropped: false };
        }
        if (String(row.version) !== version) {
          return { result: fail(staleVersion(id)), dropped: false };
        }
        // The rules need the current state; the write below is conditional on the version read,
        // so what they were computed from is what the write changes.
        const current = toRequest(row);
        const changes = changesOf(current, patch, now().toISOString());
        const { sql, values } = patchToSql(changes);
        const { changes: written } = prepared(
          `UPDATE key_requests SET ${sql}, version = version + 1 WHERE id = ? AND version = ?`,
        ).run(...values, id, row.version);
        if (written === 0) {
          return { result: fail(byId.get(id) ? staleVersion(id) : unknownRequest(id)), dropped: false };
        }
        // What the statement wrote, without reading the row back (and parsing its history) again.
        const updated = { ...withChanges(current, changes), version: String(row.version + 1) };
        return { result: ok(updated), dropped: dropsKey(current, updated) };
      });
      // docs/design.md, "Keys at rest": a write that dropped a key is done once the WAL that
      // held the key is truncated.
      if (written.dropped) {
        await truncation?.afterDrop();
      }
      return written.result;
    },

    async claimDue({ owner, now: at, leaseMs, limit, policy }: ClaimOptions) {
      const remind = policy.remindBeforeMs > 0;
      const parameters: ClaimParameters = {
        owner,
        leaseUntil: at + leaseMs,
        now: at,
        nowIso: new Date(at).toISOString(),
        horizon: new Date(at + (remind ? policy.remindBeforeMs : 0)).toISOString(),
        remind: remind ? 1 : 0,
        limit,
      };
      return (await writes.write(() => claim.all(parameters))).map(toRequest);
    },

    async sharedSecret(name) {
      if (!isSharedSecretName(name)) {
        throw new AppError('internal', `invalid shared secret name ${JSON.stringify(name)}`);
      }
      const row = await writes.write(() => {
        insertSecret.run(name, randomBytes(32));
        return secretByName.get(name);
      });
      if (!row) {
        throw corruptRecord(`shared secret ${name} vanished right after it was stored`);
      }
      return Buffer.from(row.value);
    },

    async stats(): Promise<StoreStats> {
      const byState = Object.fromEntries(REQUEST_STATES.map((s) => [s, 0])) as Record<RequestState, number>;
      for (const { state, n } of countByState.all()) {
        if (state in byState) {
          byState[state as RequestState] = n;
        }
      }
      const queue = waiting.get() ?? { n: 0, oldest: null };
      return {
        byState,
        notificationFailed: failedNotifications.get()?.n ?? 0,
        queueDepth: queue.n,
        oldestWaitingAt: queue.oldest === null ? null : Date.parse(queue.oldest),
      };
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },

    async close() {
      if (db.open) {
        await writes.drain();
        await truncation?.flush();
        await checkpointer?.close();
        db.close();
      }
    },
  };
}

/** The file's path, after creating its directory `0700` and the file `0600` when they do not
 * exist yet: it holds keys, so only the service's user may read it. Existing ones are left as
 * the operator made them. SQLite gives its -wal and -shm files the database file's mode. */
function prepareFile(path: string): string {
  if (path === ':memory:') {
    return path;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }
  return path;
}

/** Whether a plain or reserved key value the row held is in neither key column after the
 * write. Recording a mint moves the reserved value to `api_key`: the value is still stored, so
 * only the write that finally drops it (the approval mail's) needs the WAL truncated. */
function dropsKey(before: KeyRequest, after: KeyRequest): boolean {
  return [before.apiKey, before.pendingKey].some(
    (key) => key !== null && key !== after.apiKey && key !== after.pendingKey,
  );
}

/** The SET clause of what the rules say changes, in a fixed column order so equal shapes share
 * a statement; history entries are appended to the JSON array in the same statement. */
function patchToSql(changes: RequestChanges): { sql: string; values: unknown[] } {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [field, mapping] of Object.entries(FIELD_COLUMNS)) {
    if (field in changes.request) {
      const value = changes.request[field as keyof RequestChanges['request']];
      sets.push(`${mapping.column} = ?`);
      values.push('encode' in mapping ? mapping.encode(value) : value);
    }
  }
  for (const [field, column] of Object.entries(WORK_COLUMNS)) {
    if (field in changes.work) {
      sets.push(`${column} = ?`);
      values.push(changes.work[field as keyof RequestChanges['work']]);
    }
  }
  if (changes.history.length > 0) {
    sets.push(`history = json_insert(history${", '$[#]', json(?)".repeat(changes.history.length)})`);
    values.push(...changes.history.map((entry) => JSON.stringify(entry)));
  }
  return { sql: sets.length > 0 ? sets.join(', ') : 'seq = seq', values };
}
