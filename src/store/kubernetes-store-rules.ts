import type { V1Secret } from '@kubernetes/client-node';
import {
  type KeyRequest,
  needsWork,
  REQUEST_STATES,
  type RequestState,
  type WorkLease,
} from '../requests/request-types.js';
import type { RequestPatch, StoreStats } from './request-store.js';

/** What the Kubernetes store decides on its own, without the API server: which requests are
 * due, how a patch changes a request, the stats, and the order and cursors of list(). */

export function isDue(request: KeyRequest, at: number): boolean {
  return (
    needsWork(request) &&
    request.work.nextAttemptAt <= at &&
    (request.work.leaseUntil === null || request.work.leaseUntil <= at)
  );
}

/** Mirrors the SQLite store: changes users can see move updatedAt, worker bookkeeping does not. */
export function applyPatch(
  request: KeyRequest,
  patch: RequestPatch,
  stamp: string,
): Omit<KeyRequest, 'version'> {
  const { version: _version, ...next } = request;
  const work: WorkLease = { ...request.work };
  for (const [field, value] of Object.entries(patch.work ?? {})) {
    if (value !== undefined) {
      (work as unknown as Record<string, unknown>)[field] = value;
    }
  }
  next.work = work;
  if (patch.state !== undefined) {
    next.state = patch.state;
  }
  if (patch.reason !== undefined) {
    next.reason = patch.reason;
  }
  if (patch.apiKey !== undefined) {
    next.apiKey = patch.apiKey;
  }
  if (patch.pendingKey !== undefined) {
    next.pendingKey = patch.pendingKey;
  }
  if (patch.handledState !== undefined) {
    next.handledState = patch.handledState;
  }
  if (patch.state !== undefined || patch.reason !== undefined || patch.apiKey !== undefined) {
    next.updatedAt = stamp;
  }
  return next;
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

export function computeStats(requests: KeyRequest[]): StoreStats {
  const byState = Object.fromEntries(REQUEST_STATES.map((s) => [s, 0])) as Record<RequestState, number>;
  let queueDepth = 0;
  let oldestWaitingAt: number | null = null;
  for (const request of requests) {
    byState[request.state]++;
    if (needsWork(request)) {
      queueDepth++;
      // Like the SQLite store: the last visible change, so a request approved by hand counts from then.
      const since = Date.parse(request.updatedAt);
      oldestWaitingAt = oldestWaitingAt === null ? since : Math.min(oldestWaitingAt, since);
    }
  }
  return { byState, queueDepth, oldestWaitingAt };
}

export function newestFirst(
  a: Pick<KeyRequest, 'createdAt' | 'id'>,
  b: Pick<KeyRequest, 'createdAt' | 'id'>,
): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

export function encodeCursor(request: KeyRequest): string {
  return Buffer.from(JSON.stringify([request.createdAt, request.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Pick<KeyRequest, 'createdAt' | 'id'> | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // an unreadable cursor yields an empty page, as in the SQLite store
  }
  return null;
}

export function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
}
