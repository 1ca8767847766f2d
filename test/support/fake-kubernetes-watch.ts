import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusErrors } from './fake-kubernetes-status.js';
import type { ListQuery, SecretStorage, StoredEvent } from './fake-kubernetes-storage.js';

export interface WatchServing {
  storage: SecretStorage;
  /** How to end each open stream, so the server can end them (on close, or to make clients reconnect). */
  watchers: Map<ServerResponse, () => void>;
  /** How often a watch that asked for bookmarks (`allowWatchBookmarks=true`) gets one. */
  bookmarkIntervalMs: number;
}

/** `?watch=true` on a list: newline-delimited JSON events. Without a resourceVersion (or
 * with "0") it starts with ADDED for every current match, as the API server does; with one
 * it replays the changes after it, or sends a 410 Expired ERROR event when they are gone
 * (compacted). With a label selector an object that stops matching is DELETED for the watch
 * and one that starts matching ADDED, as on the API server. With `allowWatchBookmarks=true`
 * it sends a BOOKMARK (the current revision) every `bookmarkIntervalMs` and just before it
 * ends the stream at `timeoutSeconds`. */
export function serveWatch(
  { storage, watchers, bookmarkIntervalMs }: WatchServing,
  req: IncomingMessage,
  res: ServerResponse,
  query: ListQuery,
  params: URLSearchParams,
): void {
  // Headers go out at once: client-node and kubectl wait for them before reading events.
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const forward = (event: StoredEvent) => {
    const type = eventType(storage, event, query);
    if (type !== null) {
      send(type, event.object);
    }
  };
  const bookmark = () =>
    send('BOOKMARK', {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(storage.currentRevision()) },
    });
  const from = params.get('resourceVersion');
  if (from === null || from === '' || from === '0') {
    for (const item of storage.list({ ...query, limit: undefined, continueToken: undefined }).items) {
      send('ADDED', item);
    }
  } else {
    const missed = storage.eventsSince(Number(from));
    if (missed === null) {
      send('ERROR', statusErrors.gone(`too old resource version: ${from}`).status);
      res.end();
      return;
    }
    missed.forEach(forward);
  }
  const unsubscribe = storage.subscribe(forward);
  const bookmarks = params.get('allowWatchBookmarks') === 'true';
  const ticker = bookmarks ? setInterval(bookmark, bookmarkIntervalMs) : undefined;
  const stop = () => {
    unsubscribe();
    watchers.delete(res);
    clearTimeout(timer);
    clearInterval(ticker);
    if (!res.writableEnded) {
      res.end();
    }
  };
  const seconds = Number(params.get('timeoutSeconds') ?? '0');
  const timer =
    seconds > 0
      ? setTimeout(() => {
          if (bookmarks) {
            bookmark();
          }
          stop();
        }, seconds * 1000)
      : undefined;
  watchers.set(res, stop);
  req.on('close', stop);
}

/** What a watch with `query` sees of a change, if anything. */
function eventType(storage: SecretStorage, event: StoredEvent, query: ListQuery): string | null {
  const now = storage.matches(event.object, query);
  if (event.type !== 'MODIFIED' || event.previous === undefined) {
    return now ? event.type : null;
  }
  const before = storage.matches(event.previous, query);
  if (before && now) {
    return 'MODIFIED';
  }
  return now ? 'ADDED' : before ? 'DELETED' : null;
}
