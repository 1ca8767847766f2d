import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { AppError } from '../shared/errors.js';
import { describeNetworkError, type OutboundAnswer, type OutboundRequest } from '../shared/outbound-http.js';
import { fail, ok, type Result } from '../shared/result.js';

/** One call as the transport sends it: `sendBounded`'s (shared/outbound-http.ts), its headers a
 * plain record, a non-2xx body always cut at ERROR_BODY_BYTES. */
export type TransportRequest = Omit<OutboundRequest, 'headers' | 'errorBodyBytes'> & {
  headers: Record<string, string>;
};

export interface AgentTransport {
  send(request: TransportRequest): Promise<Result<OutboundAnswer>>;
}

/** A non-2xx body is read this far and cut: enough for the proxy's reason. */
const ERROR_BODY_BYTES = 16 * 1024;

/** An idle connection is closed after this long. Below the 5 s that uvicorn (LiteLLM's server)
 * keeps an idle connection open, so the proxy does not close one just as a call reuses it. */
const IDLE_SOCKET_MS = 4_000;

/** Errors of a reused connection that the server may have closed while it sat idle: a GET is sent
 * once more on a fresh connection. A POST is not: the same error also comes when the server
 * handled the call and the connection broke before the answer, and the caller (ensureKey) decides
 * what a lost answer means. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

type Exchange =
  | { kind: 'answer'; result: Result<OutboundAnswer> }
  | { kind: 'error'; error: unknown; stale: boolean };

/** HTTP calls to the LiteLLM proxy over `node:http(s)` with a keep-alive agent. The same contract
 * as `sendBounded`: ok for every HTTP status, `timeout` when nothing complete arrived within
 * `timeoutMs`, `unreachable` for a refused or reset connection, `bad-response` for a 2xx body over
 * `maxBytes`; messages from fixed words and an error code only (never the URL or a header).
 * Redirects are not followed.
 *
 * Why not `fetch`: every worker step that mints or extends a key makes a call, and undici's fetch
 * (web streams, a Response, abort signals) cost some 0.65 ms of CPU per call under load, more
 * than the SQLite writes of the whole request. */
export function createAgentTransport(protocol: 'http:' | 'https:'): AgentTransport {
  const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, noDelay: true };
  const agent = protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  const open = protocol === 'https:' ? httpsRequest : httpRequest;

  function exchange(request: TransportRequest, track: (req: ClientRequest) => void): Promise<Exchange> {
    return new Promise((resolve) => {
      let req: ClientRequest;
      try {
        req = open(request.url, {
          method: request.method,
          headers:
            request.body === undefined
              ? request.headers
              : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
          agent,
        });
      } catch (error) {
        // An invalid header value (a master key with a line break) is refused before anything is sent.
        resolve({ kind: 'error', error, stale: false });
        return;
      }
      track(req);
      let answered = false;
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!answered) {
          const stale =
            request.method === 'GET' && req.reusedSocket && STALE_SOCKET_CODES.has(error.code ?? '');
          resolve({ kind: 'error', error, stale });
        }
      });
      req.on('response', (response) => {
        answered = true;
        readAnswer(response, request.maxBytes, resolve);
      });
      req.end(request.body);
    });
  }

  return {
    async send(request) {
      let current: ClientRequest | null = null;
      let timedOut = false;
      // One timer bounds connect, headers and body, a retry on a fresh connection included.
      const timer = setTimeout(() => {
        timedOut = true;
        current?.destroy();
      }, request.timeoutMs);
      const track = (req: ClientRequest) => {
        current = req;
      };
      try {
        for (let tries = 0; ; tries++) {
          const outcome = await exchange(request, track);
          if (timedOut) {
            return fail(new AppError('timeout', `no answer within ${request.timeoutMs} ms`));
          }
          if (outcome.kind === 'answer') {
            return outcome.result;
          }
          if (!outcome.stale || tries > 0) {
            return fail(new AppError('unreachable', describeNetworkError(outcome.error)));
          }
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Reads the answer within its bound. A 2xx over `maxBytes` fails; any other status is read to
 * ERROR_BODY_BYTES and cut. A body that ends early (reset, the deadline) is an error. */
function readAnswer(response: IncomingMessage, maxBytes: number, resolve: (outcome: Exchange) => void): void {
  const status = response.statusCode ?? 0;
  const success = status >= 200 && status <= 299;
  const limit = success ? maxBytes : ERROR_BODY_BYTES;
  const tooLarge = (): Exchange => ({
    kind: 'answer',
    result: fail(new AppError('bad-response', `answer larger than ${maxBytes} bytes`, { status })),
  });
  if (success && Number(response.headers['content-length'] ?? 0) > maxBytes) {
    response.destroy();
    resolve(tooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  response.on('data', (chunk: Buffer) => {
    if (total + chunk.byteLength <= limit) {
      chunks.push(chunk);
      total += chunk.byteLength;
      return;
    }
    // Cut here: the connection goes with the rest of the body.
    response.destroy();
    if (success) {
      resolve(tooLarge());
    } else {
      chunks.push(chunk.subarray(0, limit - total));
      resolve({ kind: 'answer', result: ok({ status, text: Buffer.concat(chunks).toString('utf8') }) });
    }
  });
  response.on('end', () => {
    resolve({ kind: 'answer', result: ok({ status, text: Buffer.concat(chunks).toString('utf8') }) });
  });
  response.on('close', () => {
    if (!response.complete) {
      resolve({
        kind: 'error',
        error: Object.assign(new Error('aborted'), { code: 'ECONNRESET' }),
        stale: false,
      });
    }
  });
  response.on('error', () => undefined);
}
