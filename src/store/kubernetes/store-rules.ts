import type { V1Secret } from '@kubernetes/client-node';
import { needsWork } from '../../requests/request-rules.js';
import { type KeyRequest, REQUEST_STATES, type RequestState } from '../../requests/request-types.js';
import type { StoreStats } from '../request-store.js';

/** What the Kubernetes store works out on its own, without the API server: whether a write
 * would change anything, the stats, and the order and cursors of list(). The request rules
 * themselves (due, patch, new request) are requests/request-rules.ts. */

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
