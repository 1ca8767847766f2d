import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake answers. Defaults: status 200, body `{"decision":"APPROVE"}`, at once. */
export interface FakeApprovalBehaviour {
  status?: number;
  /** A string is sent as is (garbage, invalid JSON); anything else is JSON-encoded. */
  body?: unknown;
  contentType?: string;
  /** Extra response headers (e.g. `location` for a redirect). */
  headers?: Record<string, string>;
  /** Answer only after this many ms. */
  delayMs?: number;
  /** Never answer; the connection stays open until the client gives up or the server closes. */
  hang?: boolean;
  /** Send the body chunked, without content-length (the client cannot know the size up front). */
  chunked?: boolean;
}

export interface RecordedApprovalRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** `body` parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface FakeApprovalServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`; any path is accepted. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedApprovalRequest[];
  /** A fixed behaviour, or one chosen per request (e.g. by the posted email). */
  setBehaviour(
    behaviour: FakeApprovalBehaviour | ((request: RecordedApprovalRequest) => FakeApprovalBehaviour),
  ): void;
  /** Shorthand for a 200 answer `{"decision": decision, "reason"?: reason}`. */
  answer(decision: string, reason?: string): void;
  close(): Promise<void>;
}

const MAX_RECORDED_BODY = 1024 * 1024;

/** A real HTTP approval endpoint on 127.0.0.1 with a free port. Always `close()` it. */
export async function startFakeApprovalServer(): Promise<FakeApprovalServer> {
  const requests: RecordedApprovalRequest[] = [];
  let choose: (request: RecordedApprovalRequest) => FakeApprovalBehaviour = () => ({});
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_RECORDED_BODY) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedApprovalRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        json: parseJson(body),
      };
      requests.push(recorded);
      const behaviour = choose(recorded);
      if (behaviour.hang) {
        return;
      }
      if (behaviour.delayMs !== undefined && behaviour.delayMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send(res, behaviour);
        }, behaviour.delayMs);
        timers.add(timer);
      } else {
        send(res, behaviour);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setBehaviour(behaviour) {
      choose = typeof behaviour === 'function' ? behaviour : () => behaviour;
    },
    answer(decision, reason) {
      const body = reason === undefined ? { decision } : { decision, reason };
      choose = () => ({ body });
    },
    async close() {
      for (const timer of timers) {
        clearTimeout(timer);
      }
      timers.clear();
      // Hanging requests and keep-alive sockets would otherwise keep close() waiting.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

function send(res: ServerResponse, behaviour: FakeApprovalBehaviour): void {
  if (res.destroyed) {
    return;
  }
  const raw = behaviour.body ?? { decision: 'APPROVE' };
  const isText = typeof raw === 'string';
  const payload = isText ? raw : JSON.stringify(raw);
  const contentType = behaviour.contentType ?? (isText ? 'text/plain' : 'application/json');
  if (behaviour.chunked) {
    res.writeHead(behaviour.status ?? 200, { 'content-type': contentType, ...behaviour.headers });
    for (let at = 0; at < payload.length; at += 8192) {
      res.write(payload.slice(at, at + 8192));
    }
    res.end();
    return;
  }
  res.writeHead(behaviour.status ?? 200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    ...behaviour.headers,
  });
  res.end(payload);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
