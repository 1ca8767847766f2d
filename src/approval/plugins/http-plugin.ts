import { Type } from 'typebox';
import { parseDuration } from '../../config/duration.js';
import { AppError } from '../../shared/errors.js';
import { sendBounded, statusError } from '../../shared/outbound-http.js';
import { redact } from '../../shared/redact.js';
import { fail, ok, type Result } from '../../shared/result.js';
import type { ApprovalPlugin, ApprovalSubject, PluginVerdict } from '../approval-types.js';
import { closed, PluginConfigIssue, type PluginDefinition, type PluginDeps } from '../plugin-config.js';

export const HTTP_DEFAULT_TIMEOUT_MS = 5000;
export const HTTP_MAX_TIMEOUT_MS = 60_000;
/** An approval answer is a few bytes; anything bigger is not one, and must not fill memory. */
export const HTTP_MAX_ANSWER_BYTES = 64 * 1024;
export const HTTP_MAX_REASON_LENGTH = 500;

export const HttpConfigSchema = Type.Object(
  {
    endpoint: Type.String({ minLength: 1, maxLength: 2000 }),
    /** Seconds (`5`, `0.5`) or a duration string (`500ms`, `5s`). */
    timeout: Type.Optional(
      Type.Union([
        Type.Number({ exclusiveMinimum: 0, maximum: 60 }),
        Type.String({ minLength: 1, maxLength: 32 }),
      ]),
    ),
    headers: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 8192 }))),
  },
  closed,
);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** Framing headers belong to fetch, and the body is always JSON. */
const RESERVED_HEADERS = ['content-type', 'content-length', 'host', 'connection', 'transfer-encoding'];
/** PENDING, which the original service's http plugin dropped, leaves the request pending: the
 * endpoint is asked again on a later pass. */
const ANSWERS = ['APPROVE', 'DENY', 'CONTINUE', 'PENDING'] as const;
type Answer = (typeof ANSWERS)[number];

/** Asks an external service. Every way the call can go wrong (refused, timed out,
 * non-2xx, not JSON, an unknown decision) is CONTINUE: the endpoint can only decide
 * by answering clearly, never by failing. Header values (tokens) are never logged. */
export const httpPlugin: PluginDefinition<typeof HttpConfigSchema> = {
  schema: HttpConfigSchema,
  create(config, deps): ApprovalPlugin {
    const url = checkEndpoint(config.endpoint);
    const timeoutMs = readTimeout(config.timeout);
    const headers = checkHeaders(config.headers ?? {});
    const secrets = Object.values(config.headers ?? {});
    return createHttpPlugin({ url, timeoutMs, headers, secrets }, deps);
  },
};

interface HttpSettings {
  url: URL;
  timeoutMs: number;
  headers: Record<string, string>;
  /** Header values (tokens) to scrub from error text before it is logged. */
  secrets: string[];
}

function createHttpPlugin(settings: HttpSettings, { logger }: PluginDeps): ApprovalPlugin {
  // Query strings may carry tokens, so logs name the endpoint without one.
  const endpoint = `${settings.url.origin}${settings.url.pathname}`;
  return {
    name: 'http',
    async evaluate(subject) {
      const started = performance.now();
      const call = await callEndpoint(settings, subject);
      const elapsedMs = Math.round(performance.now() - started);
      if (!call.ok) {
        const cause = redact(call.error.message, settings.secrets);
        logger.warn(
          { plugin: 'http', endpoint, requestId: subject.requestId, code: call.error.code, cause, elapsedMs },
          'approval endpoint gave no usable answer; continuing with the next plugin',
        );
        return { decision: 'CONTINUE', reason: `Approval endpoint gave no usable answer: ${cause}` };
      }
      logger.debug(
        {
          plugin: 'http',
          endpoint,
          requestId: subject.requestId,
          status: call.value.status,
          decision: call.value.verdict.decision,
          elapsedMs,
        },
        'approval endpoint answered',
      );
      return call.value.verdict;
    },
  };
}

async function callEndpoint(
  settings: HttpSettings,
  subject: ApprovalSubject,
): Promise<Result<{ verdict: PluginVerdict; status: number }>> {
  const headers = new Headers({ accept: 'application/json' });
  for (const [name, value] of Object.entries(settings.headers)) {
    headers.set(name, value);
  }
  headers.set('content-type', 'application/json');
  const sent = await sendBounded({
    url: settings.url,
    method: 'POST',
    headers,
    body: JSON.stringify({ email: subject.email, model: subject.model, request_id: subject.requestId }),
    timeoutMs: settings.timeoutMs,
    maxBytes: HTTP_MAX_ANSWER_BYTES,
    // Any non-2xx means CONTINUE whatever it says: release it unread.
    errorBodyBytes: 0,
  });
  if (!sent.ok) {
    return sent;
  }
  const { status, text } = sent.value;
  if (status < 200 || status > 299) {
    return fail(statusError(status, `answered HTTP ${status}`));
  }
  const verdict = parseAnswer(text);
  return verdict.ok ? ok({ verdict: verdict.value, status }) : verdict;
}

function parseAnswer(text: string): Result<PluginVerdict> {
  const unusable = (cause: string) => fail(new AppError('bad-response', cause));
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return unusable('answer is not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return unusable('answer is not a JSON object');
  }
  const { decision: raw, reason } = data as Record<string, unknown>;
  if (typeof raw !== 'string') {
    return unusable('answer has no "decision" string');
  }
  const decision = raw.trim().toUpperCase();
  if (decision === 'REVIEW') {
    return unusable('decision REVIEW is reserved for the review plugin');
  }
  if (!isAnswer(decision)) {
    return unusable(`unknown decision ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return ok({ decision, reason: cleanReason(reason) ?? defaultReason(decision) });
}

function isAnswer(value: string): value is Answer {
  return (ANSWERS as readonly string[]).includes(value);
}

function defaultReason(decision: Answer): string {
  switch (decision) {
    case 'APPROVE':
      return 'Approved by the approval service';
    case 'DENY':
      return 'Denied by the approval service';
    case 'CONTINUE':
      return 'The approval service passed the request on';
    case 'PENDING':
      return 'The approval service has not decided yet';
  }
}

/** The reason ends up in emails, Secret annotations and API answers: one line, bounded. */
function cleanReason(reason: unknown): string | null {
  if (typeof reason !== 'string') {
    return null;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const line = reason.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (line === '') {
    return null;
  }
  const chars = Array.from(line);
  return chars.length > HTTP_MAX_REASON_LENGTH
    ? `${chars.slice(0, HTTP_MAX_REASON_LENGTH - 1).join('')}…`
    : line;
}

function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PluginConfigIssue('/endpoint', `must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PluginConfigIssue('/endpoint', `must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses such URLs, and they would put a password into the config's URL.
    throw new PluginConfigIssue(
      '/endpoint',
      'must not contain a user or password; send credentials in headers',
    );
  }
  return url;
}

function readTimeout(timeout: number | string | undefined): number {
  if (timeout === undefined) {
    return HTTP_DEFAULT_TIMEOUT_MS;
  }
  const ms = typeof timeout === 'number' ? Math.max(1, Math.round(timeout * 1000)) : parseDuration(timeout);
  if (ms === null) {
    throw new PluginConfigIssue(
      '/timeout',
      `must be a number of seconds or a duration like 500ms or 5s, got ${JSON.stringify(timeout)}`,
    );
  }
  if (ms > HTTP_MAX_TIMEOUT_MS) {
    throw new PluginConfigIssue('/timeout', `must be at most 60s, got ${JSON.stringify(timeout)}`);
  }
  return ms;
}

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    const pointer = `/headers/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (!HEADER_NAME.test(name)) {
      throw new PluginConfigIssue(pointer, 'is not a valid HTTP header name');
    }
    if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      throw new PluginConfigIssue(pointer, 'is set by the plugin itself and cannot be configured');
    }
    // The value itself is left out of the message: it is usually a token. Line breaks
    // and NUL would split the header or make fetch throw on every call.
    if (/[\r\n\0]/.test(value)) {
      throw new PluginConfigIssue(pointer, 'must not contain line breaks or NUL characters');
    }
  }
  return headers;
}
