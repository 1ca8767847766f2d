import { type AppError, withContext } from '../shared/errors.js';
import { statusError } from '../shared/outbound-http.js';
import { redact } from '../shared/redact.js';
import { fail, ok, type Result } from '../shared/result.js';
import { createAgentTransport } from './agent-transport.js';

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
  answerError(call: HttpCall, answer: HttpAnswer): AppError;
}

export interface LiteLlmHttpDeps {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

const REASON_CHARS = 300;

export function createLiteLlmHttp(deps: LiteLlmHttpDeps): LiteLlmHttp {
  const base = parseBaseUrl(deps.baseUrl);
  const transport = createAgentTransport(base.protocol === 'https:' ? 'https:' : 'http:');

  async function send(call: HttpCall): Promise<Result<HttpAnswer>> {
    const url = new URL(call.path.replace(/^\//, ''), base);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${deps.apiKey}`,
      accept: 'application/json',
    };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const sent = await transport.send({
      url,
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      timeoutMs: deps.timeoutMs,
      maxBytes: call.maxBytes,
    });
    if (!sent.ok) {
      return fail(withContext(sent.error, call.op));
    }
    return ok({ status: sent.value.status, json: parseJson(sent.value.text) });
  }

  function answerError(call: HttpCall, answer: HttpAnswer): AppError {
    const reason = reasonOf(answer.json);
    const scrubbed = reason === null ? null : redact(reason, [deps.apiKey, ...call.secrets]);
    const suffix = scrubbed === null ? '' : `: ${scrubbed.slice(0, REASON_CHARS)}`;
    return statusError(answer.status, `${call.op} answered ${answer.status}${suffix}`);
  }

  return { send, answerError };
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
