import type { ListOptions, ListSort } from './request-store.js';
import type { Row } from './sqlite-schema.js';

const MAX_PAGE = 500;

export interface ListQuery {
  sql: string;
  values: unknown[];
  /** Items on the page; the query fetches one more to know whether another page follows. */
  size: number;
  /** The cursor of the page that starts after `row`. */
  cursorOf(row: Row): string;
}

/** Keyset pagination for each order: by creation the key is `seq` (insertion order), so the
 * cursor is a plain number as before; by last change it is (updated_at, seq), encoded. A cursor
 * that does not fit the order yields null: an empty page. */
export function listQuery({ state, q, sort = '-created_at', limit, cursor }: ListOptions): ListQuery | null {
  const size = Math.max(1, Math.min(limit, MAX_PAGE));
  const descending = sort.startsWith('-');
  const byUpdate = sort.endsWith('updated_at');
  const where: string[] = [];
  const values: unknown[] = [];
  if (state !== undefined) {
    where.push('state = ?');
    values.push(state);
  }
  const needle = q?.trim().toLowerCase() ?? '';
  if (needle !== '') {
    // instr() rather than LIKE: no wildcard characters to escape in what the admin typed.
    where.push('(instr(lower(email), ?) > 0 OR instr(lower(model), ?) > 0 OR instr(lower(id), ?) > 0)');
    values.push(needle, needle, needle);
  }
  if (cursor !== undefined) {
    const after = readCursor(cursor, sort);
    if (after === null) {
      return null;
    }
    const op = descending ? '<' : '>';
    if (after.updatedAt === undefined) {
      where.push(`seq ${op} ?`);
      values.push(after.seq);
    } else {
      where.push(`(updated_at ${op} ? OR (updated_at = ? AND seq ${op} ?))`);
      values.push(after.updatedAt, after.updatedAt, after.seq);
    }
  }
  const direction = descending ? 'DESC' : 'ASC';
  const order = byUpdate ? `updated_at ${direction}, seq ${direction}` : `seq ${direction}`;
  return {
    sql: `SELECT * FROM key_requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`,
    values: [...values, size + 1],
    size,
    cursorOf: (row) =>
      byUpdate
        ? Buffer.from(JSON.stringify([row.updated_at, row.seq]), 'utf8').toString('base64url')
        : String(row.seq),
  };
}

function readCursor(cursor: string, sort: ListSort): { seq: number; updatedAt?: string } | null {
  if (!sort.endsWith('updated_at')) {
    const seq = Number(cursor);
    return /^\d+$/.test(cursor) && Number.isSafeInteger(seq) ? { seq } : null;
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && Number.isSafeInteger(parsed[1])) {
      return { updatedAt: parsed[0], seq: parsed[1] as number };
    }
  } catch {
    // not one of ours
  }
  return null;
}
