import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusErrors } from './fake-kubernetes-status.js';
import type { ListQuery, SecretStorage } from './fake-kubernetes-storage.js';

/** `?watch=true` on a list: newline-delimited JSON events. Without a resourceVersion (or
 * with "0") it starts with ADDED for every current match, as the API server does; with one
 * it replays the changes after it, or sends a 410 Expired ERROR event when they are gone.
 * `watchers` holds open streams so the server can end them on close. */
export function serveWatch(
  { storage, watchers }: { storage: SecretStorage; watchers: Set<ServerResponse> },
  req: IncomingMessage,
  res: ServerResponse,
  query: ListQuery,
  params: URLSearchParams,
): void {
  // Headers go out at once: client-node and kubectl wait for them before reading events.
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  watchers.add(res);
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
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
      watchers.delete(res);
      return;
    }
    for (const event of missed.filter((e) => storage.matches(e.object, query))) {
      send(event.type, event.object);
    }
  }
  const unsubscribe = storage.subscribe((event) => {
    if (storage.matches(event.object, query)) {
      send(event.type, event.object);
    }
  });
  const stop = () => {
    unsubscribe();
    watchers.delete(res);
    clearTimeout(timer);
    if (!res.writableEnded) {
      res.end();
    }
  };
  const seconds = Number(params.get('timeoutSeconds') ?? '0');
  const timer = seconds > 0 ? setTimeout(stop, seconds * 1000) : undefined;
  req.on('close', stop);
}
