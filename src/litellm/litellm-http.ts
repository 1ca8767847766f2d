import type { LiteLlmError, Result } from './litellm-types.js';

/** One HTTP exchange with the proxy. `op` names it in errors and logs ("GET /key/info"):
 * it is all that describes the call, because the URL may carry a key in its query. */
export interface HttpCall {
  op: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Largest answer body accepted; a larger one fails the call (an error body is cut instead). */
  maxBytes: number;
  /** Values to scrub from anything derived from the answer, besides the master key. */
  secrets: string[];
}

export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  json: unknown;
}

export interface LiteLlmHttp {
  /** Resolves ok for every HTTP status; errors only when no usable answer arrived. */
  send(call: HttpCall): Promise<Result<HttpAnswer>>;
  /** The error for an answer the caller cannot use, with LiteLLM's reason, scrubbed. */
  answerError(call: HttpCall, answer: HttpAnswer): LiteLlmError;
}

export interface LiteLlmHttpDeps {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

/** Error answers are read only this far: enough for LiteLLM's reason. */
const ERROR_BODY_BYTES = 16 * 1024;
const REASON_CHARS = 300;

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

export function createLiteLlmHttp(deps: LiteLlmHttpDeps): LiteLlmHttp {
  const base = parseBaseUrl(deps.baseUrl);

  function scrub(text: string, call: HttpCall): string {
    return redactSecrets(text, [deps.apiKey, ...call.secrets]);
  }

  async function send(call: HttpCall): Promise<Result<HttpAnswer>> {
    const url = new URL(call.path.replace(/^\//, ''), base);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      url.searchParams.set(name, value);
    }
    // One signal bounds connect, headers and body: a proxy that stalls mid-body times out too.
    const signal = AbortSignal.timeout(deps.timeoutMs);
    const headers: Record<string, string> = {
      authorization: `Bearer ${deps.apiKey}`,
      accept: 'application/json',
    };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    try {
      const response = await untilAborted(
        signal,
        fetch(url, {
          method: call.method,
          headers,
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal,
          // Not 'error': with it, undici 6 (Node 20) may garbage-collect the request's
          // AbortController mid-call and then ignore the timeout (nodejs/undici#4627).
          // A 3xx comes back as an answer and is reported as an HTTP error.
          redirect: 'manual',
        }),
      );
      const isError = response.status < 200 || response.status > 299;
      const read = await readBounded(response, isError ? ERROR_BODY_BYTES : call.maxBytes, signal);
      if (read.truncated && !isError) {
        return failure('http', `${call.op}: answer larger than ${call.maxBytes} bytes`, response.status);
      }
      return { ok: true, value: { status: response.status, json: parseJson(read.text) } };
    } catch (error) {
      if (signal.aborted) {
        return failure('timeout', `${call.op}: no answer within ${deps.timeoutMs} ms`);
      }
      return failure('unreachable', `${call.op}: ${describeNetworkError(error)}`);
    }
  }

  function answerError(call: HttpCall, answer: HttpAnswer): LiteLlmError {
    const reason = reasonOf(answer.json);
    const suffix = reason === null ? '' : `: ${scrub(reason, call).slice(0, REASON_CHARS)}`;
    return { kind: 'http', status: answer.status, message: `${call.op} answered ${answer.status}${suffix}` };
  }

  return { send, answerError };
}

function failure(
  kind: LiteLlmError['kind'],
  message: string,
  status?: number,
): { ok: false; error: LiteLlmError } {
  return { ok: false, error: status === undefined ? { kind, message } : { kind, status, message } };
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // The value itself is not repeated: a URL may carry credentials.
    throw new Error('LiteLLM base URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('LiteLLM base URL must be http or https');
  }
  // Paths resolve below the base, so a proxy mounted under a prefix keeps it.
  if (!url.pathname.endsWith('/')) {
    url.pathname = `${url.pathname}/`;
  }
  url.search = '';
  url.hash = '';
  return url;
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

function parseJson(text: string): unknown {
  if (text.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** LiteLLM answers `{"error":{"message","type","param","code"}}` (ProxyException) and,
 * for plain FastAPI errors, `{"detail": ...}`. */
function reasonOf(json: unknown): string | null {
  if (!isRecord(json)) {
    return null;
  }
  const error = json.error;
  if (isRecord(error) && error.message !== undefined) {
    return asText(error.message);
  }
  if (error !== undefined) {
    return asText(error);
  }
  if (json.detail !== undefined) {
    return asText(json.detail);
  }
  return null;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeNetworkError(error: unknown): string {
  const code = networkCode(error);
  if (code === null) {
    return 'network error';
  }
  return `${NETWORK_CODES[code] ?? 'network error'} (${code})`;
}

/** fetch wraps the socket error: TypeError('fetch failed', { cause: { code } }). */
function networkCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isObject(current); depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** Scrubs known secrets and anything shaped like a LiteLLM key or key hash. LiteLLM's
 * own messages echo part of a rejected key ("Received API Key = sk-...abcd"). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    // Short values (including the empty default master key) would mangle ordinary text.
    if (secret.length >= 8) {
      result = result.split(secret).join('[redacted]');
    }
  }
  return result
    .replace(/sk-[^\s"'`,;)\]}]*/g, 'sk-[redacted]')
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\b[0-9a-f]{64}\b/gi, '[hash]');
}
