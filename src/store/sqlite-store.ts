import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalEmail } from '../requests/email.js';
import { changesOf, newRequest, type RequestChanges, type StoredRequest } from '../requests/request-rules.js';
import {
  type KeyRequest,
  REQUEST_STATES,
  type RequestState,
  type WorkLease,
} from '../requests/request-types.js';
import { fail, ok } from '../shared/result.js';
import {
  type ClaimOptions,
  type ListOptions,
  type NewRequest,
  type Page,
  type RequestPatch,
  type RequestStore,
  type StoreStats,
  staleVersion,
  unknownRequest,
} from './request-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS key_requests (
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
-- Only requests that need the worker are indexed, so claiming stays cheap however many settled requests pile up.
CREATE INDEX IF NOT EXISTS key_requests_due ON key_requests (next_attempt_at) WHERE handled_state IS NOT state;
CREATE INDEX IF NOT EXISTS key_requests_state ON key_requests (state, seq);
`;

interface Row {
  seq: number;
  id: string;
  email: string;
  model: string;
  state: RequestState;
  reason: string | null;
  api_key: string | null;
  pending_key: string | null;
  handled_state: RequestState | null;
  created_at: string;
  updated_at: string;
  version: number;
  lease_owner: string | null;
  lease_until: number | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

const MAX_PAGE = 500;

export interface SqliteStoreDeps {
  path: string;
  /** Clock for timestamps; injectable so tests can pin time. */
  now?: () => Date;
}

/** RequestStore on an embedded SQLite file (WAL). Several processes may share the file:
 * every check-and-write is a single statement, so SQLite's locking makes it atomic. */
export function createSqliteStore({ path, now = () => new Date() }: SqliteStoreDeps): RequestStore {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  const insert = db.prepare<[Omit<Row, 'seq' | 'version'>]>(`
    INSERT INTO key_requests (id, email, model, state, reason, api_key, pending_key, handled_state,
      created_at, updated_at, lease_owner, lease_until, attempts, next_attempt_at, last_error)
    VALUES (@id, @email, @model, @state, @reason, @api_key, @pending_key, @handled_state,
      @created_at, @updated_at, @lease_owner, @lease_until, @attempts, @next_attempt_at, @last_error)
    ON CONFLICT (email, model) DO NOTHING
    RETURNING *`);
  const byId = db.prepare<[string], Row>('SELECT * FROM key_requests WHERE id = ?');
  const byEmailModel = db.prepare<[string, string], Row>(
    'SELECT * FROM key_requests WHERE email = ? AND model = ?',
  );
  // The WHERE clause is isDue of requests/request-rules.ts, in SQL so the index can serve it.
  const claim = db.prepare<[{ owner: string; leaseUntil: number; now: number; limit: number }], Row>(`
    UPDATE key_requests SET lease_owner = @owner, lease_until = @leaseUntil, version = version + 1
    WHERE seq IN (
      SELECT seq FROM key_requests
      WHERE handled_state IS NOT state AND next_attempt_at <= @now
        AND (lease_until IS NULL OR lease_until <= @now)
      ORDER BY next_attempt_at, seq LIMIT @limit)
    RETURNING *`);
  const countByState = db.prepare<[], { state: string; n: number }>(
    'SELECT state, count(*) AS n FROM key_requests GROUP BY state',
  );
  const waiting = db.prepare<[], { n: number; oldest: string | null }>(
    'SELECT count(*) AS n, min(updated_at) AS oldest FROM key_requests WHERE handled_state IS NOT state',
  );

  // Patches come in a handful of shapes (the worker's steps, admin decisions): prepare each shape once.
  const updates = new Map<string, Database.Statement>();
  function updateStatement(setClause: string): Database.Statement {
    let statement = updates.get(setClause);
    if (!statement) {
      statement = db.prepare(
        `UPDATE key_requests SET ${setClause}, version = version + 1 WHERE id = ? AND version = ? RETURNING *`,
      );
      updates.set(setClause, statement);
    }
    return statement;
  }

  return {
    async create({ email: rawEmail, model }: NewRequest) {
      const email = canonicalEmail(rawEmail);
      const fresh = newRequest({ id: randomUUID(), email, model }, now().toISOString());
      const row = insert.get(toColumns(fresh)) as Row | undefined;
      if (row) {
        return { request: toRequest(row), created: true };
      }
      const existing = byEmailModel.get(email, model);
      if (!existing) {
        // Only reachable if the conflicting row was deleted between the two statements.
        throw new Error('key request vanished during create');
      }
      return { request: toRequest(existing), created: false };
    },

    async get(id) {
      const row = byId.get(id);
      return row ? toRequest(row) : null;
    },

    async findByEmailAndModel(email, model) {
      const row = byEmailModel.get(canonicalEmail(email), model);
      return row ? toRequest(row) : null;
    },

    async list({ state, limit, cursor }: ListOptions): Promise<Page<KeyRequest>> {
      const size = Math.max(1, Math.min(limit, MAX_PAGE));
      const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(cursor);
      if (!Number.isSafeInteger(before)) {
        return { items: [], nextCursor: null };
      }
      const rows = (
        state === undefined
          ? db
              .prepare('SELECT * FROM key_requests WHERE seq < ? ORDER BY seq DESC LIMIT ?')
              .all(before, size + 1)
          : db
              .prepare('SELECT * FROM key_requests WHERE state = ? AND seq < ? ORDER BY seq DESC LIMIT ?')
              .all(state, before, size + 1)
      ) as Row[];
      const page = rows.slice(0, size);
      const last = page.at(-1);
      return {
        items: page.map(toRequest),
        nextCursor: rows.length > size && last ? String(last.seq) : null,
      };
    },

    async update(id, version, patch) {
      const expected = Number(version);
      const { sql, values } = patchToSql(patch, now().toISOString());
      const row = updateStatement(sql).get(...values, id, expected) as Row | undefined;
      if (row) {
        return ok(toRequest(row));
      }
      return fail(byId.get(id) ? staleVersion(id) : unknownRequest(id));
    },

    async claimDue({ owner, now: at, leaseMs, limit }: ClaimOptions) {
      return claim.all({ owner, leaseUntil: at + leaseMs, now: at, limit }).map(toRequest);
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
        queueDepth: queue.n,
        oldestWaitingAt: queue.oldest === null ? null : Date.parse(queue.oldest),
      };
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },

    async close() {
      if (db.open) {
        db.close();
      }
    },
  };
}

const COLUMNS: Record<keyof RequestChanges['request'], keyof Row> = {
  state: 'state',
  reason: 'reason',
  apiKey: 'api_key',
  pendingKey: 'pending_key',
  handledState: 'handled_state',
  updatedAt: 'updated_at',
};

const WORK_COLUMNS: Record<keyof WorkLease, keyof Row> = {
  owner: 'lease_owner',
  leaseUntil: 'lease_until',
  attempts: 'attempts',
  nextAttemptAt: 'next_attempt_at',
  lastError: 'last_error',
};

/** The SET clause of what the patch changes (request-rules.ts decides which fields,
 * `updated_at` included), in a fixed column order so equal shapes share a statement. */
function patchToSql(patch: RequestPatch, stamp: string): { sql: string; values: unknown[] } {
  const changes = changesOf(patch, stamp);
  const sets: string[] = [];
  const values: unknown[] = [];
  const add = <F extends string>(columns: Record<F, keyof Row>, changed: Partial<Record<F, unknown>>) => {
    for (const [field, column] of Object.entries(columns) as [F, keyof Row][]) {
      if (field in changed) {
        sets.push(`${column} = ?`);
        values.push(changed[field]);
      }
    }
  };
  add(COLUMNS, changes.request);
  add(WORK_COLUMNS, changes.work);
  return { sql: sets.length > 0 ? sets.join(', ') : 'seq = seq', values };
}

function toColumns(request: StoredRequest): Omit<Row, 'seq' | 'version'> {
  return {
    id: request.id,
    email: request.email,
    model: request.model,
    state: request.state,
    reason: request.reason,
    api_key: request.apiKey,
    pending_key: request.pendingKey,
    handled_state: request.handledState,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    lease_owner: request.work.owner,
    lease_until: request.work.leaseUntil,
    attempts: request.work.attempts,
    next_attempt_at: request.work.nextAttemptAt,
    last_error: request.work.lastError,
  };
}

function toRequest(row: Row): KeyRequest {
  return {
    id: row.id,
    email: row.email,
    model: row.model,
    state: row.state,
    reason: row.reason,
    apiKey: row.api_key,
    pendingKey: row.pending_key,
    handledState: row.handled_state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    work: {
      owner: row.lease_owner,
      leaseUntil: row.lease_until,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastError: row.last_error,
    },
    version: String(row.version),
  };
}
