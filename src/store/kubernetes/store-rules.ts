import type { V1Secret } from '@kubernetes/client-node';
import { ACTORS, historyEntry } from '../../requests/history.js';
import { applyPatch } from '../../requests/request-rules.js';
import type { KeyRequest } from '../../requests/request-types.js';
import { changeStartsCycle } from '../../requests/transitions.js';
import type { ListOptions, ListSort } from '../request-store.js';
import type { DecodedSecret } from './secret-codec.js';

/** What the Kubernetes store works out on its own, without the API server: whether a write
 * would change anything, a change made with kubectl, and the order, search and cursors of
 * list(). The request rules themselves (due, patch, new request) are in requests/. */

/** The request as the next write should start from: when its state was changed outside the
 * service (decodeSecret's `externalChange`), with an `external-change` entry appended, so the
 * first write after a `kubectl label` (usually the worker's claim) records it, in the same
 * conditional write, before any duty of the new state runs. A change that re-issues (e.g.
 * revoked → approved) starts a new cycle, as the same change made through the service would.
 * Reads that the worker acts on (`get`, `claimDue`) return this view too, so what it does
 * follows from the history as it will be written. */
export function acknowledged(decoded: DecodedSecret, stamp: string): KeyRequest {
  const { request, externalChange } = decoded;
  if (externalChange === null) {
    return request;
  }
  const entry = historyEntry('external-change', ACTORS.external, externalChange);
  const newCycle = changeStartsCycle(externalChange.from, externalChange.to)
    ? { cycle: request.cycle + 1, notificationFailure: null }
    : {};
  return { ...applyPatch(request, { ...newCycle, append: [entry] }, stamp), version: request.version };
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export function sameContent(a: V1Secret, b: V1Secret): boolean {
  const content = (s: V1Secret) => [
    s.metadata?.labels ?? {},
    s.metadata?.annotations ?? {},
    s.data ?? {},
    s.type,
  ];
  return canonical(content(a)) === canonical(content(b));
}

type Position = { key: string; id: string };

function position(request: KeyRequest, sort: ListSort): Position {
  return { key: sort.endsWith('updated_at') ? request.updatedAt : request.createdAt, id: request.id };
}

/** Timestamps (ISO-8601, always with Z) and ids (`[a-z0-9-]`) are ASCII of one shape, so code
 * unit order is their order; `localeCompare` would give the same at many times the cost. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePositions(a: Position, b: Position, descending: boolean): number {
  const order = compareText(a.key, b.key) || compareText(a.id, b.id);
  return descending ? -order : order;
}

/** The comparator of a list order: by creation or last change, then by id on a tie. */
export function listOrder(sort: ListSort = '-created_at'): (a: KeyRequest, b: KeyRequest) => number {
  const descending = sort.startsWith('-');
  const byUpdate = sort.endsWith('updated_at');
  return (a, b) => {
    const order =
      compareText(byUpdate ? a.updatedAt : a.createdAt, byUpdate ? b.updatedAt : b.createdAt) ||
      compareText(a.id, b.id);
    return descending ? -order : order;
  };
}

/** Newest first: the default order. */
export const newestFirst = listOrder('-created_at');

/** Whether the request matches the admin's search: its email, model or id contains `q`, in any case. */
export function matchesSearch(request: KeyRequest, q: string | undefined): boolean {
  const needle = q?.trim().toLowerCase() ?? '';
  return (
    needle === '' ||
    [request.email, request.model, request.id].some((value) => value.toLowerCase().includes(needle))
  );
}

/** One page of `requests` (all that match the state and search) in the requested order,
 * starting after the cursor; null for a cursor that is not ours. One pass over the requests:
 * only the page (and one more, to know whether there is a next page) is kept in order. */
export function listPage(
  requests: readonly KeyRequest[],
  { sort = '-created_at', q, limit, cursor }: ListOptions,
  maxPage: number,
): { items: KeyRequest[]; nextCursor: string | null } | null {
  const size = Math.max(1, Math.min(limit, maxPage));
  const after = cursor === undefined ? null : decodeCursor(cursor);
  if (cursor !== undefined && after === null) {
    return null;
  }
  const descending = sort.startsWith('-');
  const rest = requests.filter(
    (request) =>
      matchesSearch(request, q) &&
      (after === null || comparePositions(position(request, sort), after, descending) > 0),
  );
  const first = firstInOrder(rest, size + 1, listOrder(sort));
  const items = first.slice(0, size);
  const last = items.at(-1);
  return { items, nextCursor: first.length > size && last ? encodeCursor(last, sort) : null };
}

/** The first `count` of `items` in `order`, sorted, without sorting all of them. */
export function firstInOrder<T>(items: readonly T[], count: number, order: (a: T, b: T) => number): T[] {
  const kept: T[] = [];
  for (const item of items) {
    const last = kept[kept.length - 1];
    if (kept.length >= count && last !== undefined && order(item, last) >= 0) {
      continue;
    }
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (order(kept[middle] as T, item) <= 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    kept.splice(low, 0, item);
    if (kept.length > count) {
      kept.pop();
    }
  }
  return kept;
}

export function encodeCursor(request: KeyRequest, sort: ListSort = '-created_at'): string {
  const { key, id } = position(request, sort);
  return Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { key: parsed[0], id: parsed[1] };
    }
  } catch {
    // an unreadable cursor yields an empty page, as in the SQLite store
  }
  return null;
}

/** Shuffles the first `count` items in place (all by default); the rest stay where they are. */
export function shuffle<T>(items: T[], count = items.length): void {
  for (let i = Math.min(count, items.length) - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}
