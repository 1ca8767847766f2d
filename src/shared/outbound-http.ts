import { AppError } from './errors.js';
import { fail, ok, type Result } from './result.js';

/** One call to a dependency (the LiteLLM proxy, an approval endpoint). */
export interface OutboundRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Headers | Record<string, string>;
  /** Already encoded. */
  body?: string;
  /** Bounds the whole exchange: connect, headers and the last body byte. */
  timeoutMs: number;
  /** Largest 2xx body accepted; a larger one fails the call (`bad-response`). */
  maxBytes: number;
  /** A non-2xx body is read only this far and cut, not refused: enough for the dependency's
   * reason. 0 releases it unread. Default 16 KiB. */
  errorBodyBytes?: number;
}

export interface OutboundAnswer {
  status: number;
  /** The body as text; for a non-2xx answer at most `errorBodyBytes` of it. */
  text: string;
}

const ERROR_BODY_BYTES = 16 * 1024;

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection closed by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
};

/** Sends one request and reads the answer within bounds. Resolves ok for every HTTP status
 * (what a status means is the caller's business, see `statusError`); fails only when no
 * usable answer arrived: `unreachable` (refused, reset, DNS), `timeout` (nothing complete
 * within `timeoutMs`, a stalled body included) or `bad-response` (a 2xx body over
 * `maxBytes`). The messages are built from fixed words, a socket error code and numbers, so
 * there is nothing in them to redact: they never repeat the URL (its query may hold a key)
 * nor fetch's own error text, which can quote a header value, that is, a token. Redirects
 * are not followed: one would replay the credentials to wherever it points. */
export async function sendBounded(request: OutboundRequest): Promise<Result<OutboundAnswer>> {
  // One signal bounds connect, headers and body: a server that stalls mid-body times out too.
  // A timer of our own, cleared when the call ends: an AbortSignal.timeout would keep the
  // signal and what fetch hung on it alive for the whole timeout after a call that took
  // milliseconds.
  const deadline = new AbortController();
  const { signal } = deadline;
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  try {
    const response = await untilAborted(
      signal,
      fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
        // Not 'error': with it, undici 6 (Node 20) may garbage-collect the request's
        // AbortController mid-call and then ignore the timeout (nodejs/undici#4627).
        // A 3xx comes back as an answer.
        redirect: 'manual',
      }),
    );
    const success = response.status >= 200 && response.status <= 299;
    if (!success) {
      const limit = request.errorBodyBytes ?? ERROR_BODY_BYTES;
      if (limit === 0) {
        await discard(response);
        return ok({ status: response.status, text: '' });
      }
      const read = await readBounded(response, limit, signal);
      return ok({ status: response.status, text: read.text });
    }
    const tooLarge = new AppError('bad-response', `answer larger than ${request.maxBytes} bytes`, {
      status: response.status,
    });
    if (Number(response.headers.get('content-length') ?? 0) > request.maxBytes) {
      await discard(response);
      return fail(tooLarge);
    }
    const read = await readBounded(response, request.maxBytes, signal);
    return read.truncated ? fail(tooLarge) : ok({ status: response.status, text: read.text });
  } catch (error) {
    if (signal.aborted) {
      return fail(new AppError('timeout', `no answer within ${request.timeoutMs} ms`));
    }
    return fail(new AppError('unreachable', describeNetworkError(error)));
  } finally {
    clearTimeout(timer);
  }
}

/** The error for an answer the caller cannot use. 5xx, 408 and 429 mean "not now": the same
 * call may succeed later. Any other status (a 3xx, a 4xx such as a wrong master key) is a
 * definite no that only an operator can change. */
export function statusError(status: number, message: string): AppError {
  const notNow = status >= 500 || status === 408 || status === 429;
  return notNow
    ? new AppError('bad-response', message, { status, retry: true })
    : new AppError('rejected', message, { status, retry: false });
}

/** Rejects when `signal` aborts, whether or not fetch noticed: the timeout must hold even
 * if undici loses its link to the signal. A listener we add also keeps the signal alive. */
export function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** Reads at most `limit` bytes and releases the connection either way. */
export async function readBounded(
  response: Response,
  limit: number,
  signal: AbortSignal,
): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) {
    return { text: '', truncated: false };
  }
  const reader = response.body.getReader();
  // Cancelling on abort frees the socket even if undici did not propagate the abort.
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    reader.cancel(signal.reason).catch(() => undefined);
  };
  signal.addEventListener('abort', cancel, { once: true });
  try {
    const read = await readChunks(reader, limit);
    // A cancelled read ends as if the body were complete: it is not.
    if (cancelled) {
      throw signal.reason;
    }
    return read;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    if (total + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - total));
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
    total += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/** Releases the connection without reading what is left of the body. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** A network failure as fixed words and the socket error code, e.g. "connection refused (ECONNREFUSED)". */
export function describeNetworkError(error: unknown): string {
  const code = networkCode(error);
  if (code === null) {
    return 'network error';
  }
  return `${NETWORK_CODES[code] ?? 'network error'} (${code})`;
}

/** fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }). */
function networkCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
