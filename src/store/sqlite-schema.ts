import type Database from 'better-sqlite3';
import type { StoredRequest } from '../requests/request-rules.js';
import {
  type HistoryEntry,
  isRequestState,
  type KeyRequest,
  type Language,
  type NotificationFailure,
  type RequestState,
} from '../requests/request-types.js';
import { corruptRecord } from '../shared/errors.js';
import type { RequestBrief } from './request-store.js';

/** The SQLite layout (docs/design.md, "SQLite store") and the mapping between rows and requests. */

/** The columns of the first release. */
const BASE_COLUMNS = `
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
  last_error      TEXT`;

/** Columns added since; a file of an earlier release gets them with ALTER TABLE on open, so
 * every definition must be one ADD COLUMN accepts (nullable, or NOT NULL with a default).
 * The defaults are what an old row means: first cycle, no history, never reminded. */
const ADDED_COLUMNS: readonly [name: string, definition: string][] = [
  ['notify_email', 'TEXT'],
  ['language', 'TEXT'],
  ['cycle', 'INTEGER NOT NULL DEFAULT 1'],
  ['history', "TEXT NOT NULL DEFAULT '[]'"],
  /** ISO-8601 UTC as toISOString() writes it, so text order is time order (the claim compares it). */
  ['expires_at', 'TEXT'],
  ['key_hash', 'TEXT'],
  ['key_hint', 'TEXT'],
  ['reminded_cycle', 'INTEGER NOT NULL DEFAULT 0'],
  ['notification_failure', 'TEXT'],
  ['link_mail_hour', 'INTEGER'],
  ['last_link_mail_hour', 'INTEGER'],
];

const TABLE = `CREATE TABLE IF NOT EXISTS key_requests (${BASE_COLUMNS},
  ${ADDED_COLUMNS.map(([name, definition]) => `${name} ${definition}`).join(',\n  ')},
  UNIQUE (email, model)
)`;

/** Each branch of the claim (sqlite-store.ts) has a partial index, so claiming costs what is
 * due, not what is stored: owed state duties, pending link mails, issued keys by expiry. */
const INDEXES = `
CREATE INDEX IF NOT EXISTS key_requests_due ON key_requests (next_attempt_at) WHERE handled_state IS NOT state;
CREATE INDEX IF NOT EXISTS key_requests_link_mail ON key_requests (next_attempt_at) WHERE link_mail_hour IS NOT NULL;
CREATE INDEX IF NOT EXISTS key_requests_expiry ON key_requests (expires_at)
  WHERE state = 'approved' AND handled_state = 'approved' AND expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS key_requests_state ON key_requests (state, seq);
CREATE INDEX IF NOT EXISTS key_requests_updated ON key_requests (updated_at, seq);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value BLOB NOT NULL);
`;

/** Creates the schema, or brings a file of an earlier release up to it in place. One IMMEDIATE
 * transaction, so processes opening the same file at once do not both add a column. */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(TABLE);
    const present = new Set(
      (db.prepare('PRAGMA table_info(key_requests)').all() as { name: string }[]).map(
        (column) => column.name,
      ),
    );
    for (const [name, definition] of ADDED_COLUMNS) {
      if (!present.has(name)) {
        db.exec(`ALTER TABLE key_requests ADD COLUMN ${name} ${definition}`);
      }
    }
    db.exec(INDEXES);
  }).immediate();
}

export interface Row {
  seq: number;
  id: string;
  email: string;
  notify_email: string | null;
  language: Language | null;
  model: string;
  state: RequestState;
  reason: string | null;
  cycle: number;
  history: string;
  expires_at: string | null;
  key_hash: string | null;
  key_hint: string | null;
  api_key: string | null;
  pending_key: string | null;
  handled_state: RequestState | null;
  reminded_cycle: number;
  notification_failure: string | null;
  link_mail_hour: number | null;
  last_link_mail_hour: number | null;
  created_at: string;
  updated_at: string;
  version: number;
  lease_owner: string | null;
  lease_until: number | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

export type RowValues = Omit<Row, 'seq' | 'version'>;

/** How each request field is stored: its column and, for structured fields, the encoding.
 * `history` is absent: it is only ever appended to (sqlite-store.ts). */
export const FIELD_COLUMNS = {
  state: { column: 'state' },
  reason: { column: 'reason' },
  cycle: { column: 'cycle' },
  expiresAt: { column: 'expires_at' },
  keyHash: { column: 'key_hash' },
  keyHint: { column: 'key_hint' },
  apiKey: { column: 'api_key' },
  pendingKey: { column: 'pending_key' },
  handledState: { column: 'handled_state' },
  notifyEmail: { column: 'notify_email' },
  language: { column: 'language' },
  remindedCycle: { column: 'reminded_cycle' },
  notificationFailure: { column: 'notification_failure', encode: jsonOrNull },
  linkMail: {
    column: 'link_mail_hour',
    encode: (value: unknown) => (value as { hour: number } | null)?.hour ?? null,
  },
  lastLinkMailHour: { column: 'last_link_mail_hour' },
  updatedAt: { column: 'updated_at' },
} as const satisfies Record<string, { column: keyof Row; encode?: (value: unknown) => unknown }>;

export const WORK_COLUMNS = {
  owner: 'lease_owner',
  leaseUntil: 'lease_until',
  attempts: 'attempts',
  nextAttemptAt: 'next_attempt_at',
  lastError: 'last_error',
} as const satisfies Record<keyof KeyRequest['work'], keyof Row>;

function jsonOrNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

export function toRow(request: StoredRequest): RowValues {
  return {
    id: request.id,
    email: request.email,
    notify_email: request.notifyEmail,
    language: request.language,
    model: request.model,
    state: request.state,
    reason: request.reason,
    cycle: request.cycle,
    history: JSON.stringify(request.history),
    expires_at: request.expiresAt,
    key_hash: request.keyHash,
    key_hint: request.keyHint,
    api_key: request.apiKey,
    pending_key: request.pendingKey,
    handled_state: request.handledState,
    reminded_cycle: request.remindedCycle,
    notification_failure: jsonOrNull(request.notificationFailure),
    link_mail_hour: request.linkMail?.hour ?? null,
    last_link_mail_hour: request.lastLinkMailHour,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    lease_owner: request.work.owner,
    lease_until: request.work.leaseUntil,
    attempts: request.work.attempts,
    next_attempt_at: request.work.nextAttemptAt,
    last_error: request.work.lastError,
  };
}

/** A row's state, or a corrupt record when it is none we know. */
function knownState(row: Pick<Row, 'id' | 'state'>): RequestState {
  if (!isRequestState(row.state)) {
    throw corruptRecord(`key request ${row.id} has an unknown state ${JSON.stringify(row.state)}`);
  }
  return row.state;
}

/** The columns of a RequestBrief (request-store.ts), and how they are read. */
export const BRIEF_COLUMNS = 'id, state, link_mail_hour, last_link_mail_hour, version';
export type BriefRow = Pick<Row, 'id' | 'state' | 'link_mail_hour' | 'last_link_mail_hour' | 'version'>;

export function toBrief(row: BriefRow): RequestBrief {
  return {
    id: row.id,
    state: knownState(row),
    linkMail: row.link_mail_hour === null ? null : { hour: row.link_mail_hour },
    lastLinkMailHour: row.last_link_mail_hour,
    version: String(row.version),
  };
}

/** The request a row holds. A row that does not decode (a state we do not know, a JSON column
 * that does not parse: hand-edited or damaged) is a corrupt record, `internal`, never a guess. */
export function toRequest(row: Row): KeyRequest {
  const state = knownState(row);
  return {
    id: row.id,
    email: row.email,
    notifyEmail: row.notify_email,
    language: row.language,
    model: row.model,
    state,
    reason: row.reason,
    cycle: row.cycle,
    history: jsonColumn<HistoryEntry[]>(row, 'history', row.history),
    expiresAt: row.expires_at,
    keyHash: row.key_hash,
    keyHint: row.key_hint,
    apiKey: row.api_key,
    pendingKey: row.pending_key,
    handledState: row.handled_state,
    remindedCycle: row.reminded_cycle,
    notificationFailure:
      row.notification_failure === null
        ? null
        : jsonColumn<NotificationFailure>(row, 'notification_failure', row.notification_failure),
    linkMail: row.link_mail_hour === null ? null : { hour: row.link_mail_hour },
    lastLinkMailHour: row.last_link_mail_hour,
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

function jsonColumn<T>(row: Row, column: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw corruptRecord(`key request ${row.id}: column ${column} is not valid JSON`, error);
  }
}
