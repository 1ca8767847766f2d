import pino, { type DestinationStream } from 'pino';
import { REDACTED, redact } from './redact.js';

type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The logger every module takes: the part of pino the code uses. A pino `Logger`
 * satisfies it, and `child` keeps the component name on every line. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** Field names that hold a secret: keys (minted, reserved, master), passwords, tokens. */
const SECRET_FIELDS = ['apiKey', 'api_key', 'pendingKey', 'masterKey', 'master_key', 'password', 'token'];

/** Where an object that may carry a secret field is logged: `err` (pino's error serializer
 * copies an error's own fields, and its cause's) and the names a config or a client's
 * options would be logged under. The code logs no other object that could hold one:
 * `req` and `res` go through the serializers below, `mail` (the log mailer) is built field by
 * field with keys masked, and every other field is a string, a number or a list of addresses. */
const SECRET_CONTAINERS = [
  'err',
  'err.cause',
  'error',
  'cause',
  'config',
  'smtp',
  'litellm',
  'options',
  'settings',
];

/** Paths that never reach a log line with their value, whatever logs them by accident: keys,
 * passwords and tokens, at the top of a line and in the objects above. Explicit paths, no
 * wildcards: a wildcard path makes pino copy and walk every object of every line (a quarter of
 * the CPU of a small request), an explicit one only the object that holds it, and only on the
 * lines that have it. No `req.headers.…` path: the `req` serializer below keeps no header at
 * all (the admin Authorization header, cookies), and a path there would make every access-log
 * line pay for a copy of its request. */
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_CONTAINERS.flatMap((container) => SECRET_FIELDS.map((field) => `${container}.${field}`)),
];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** What a logged HTTP request shows: its method, its URL with any credential in the query
 * string redacted (a requester's `?token=` opens their request's page), the client. Never
 * its headers or body. Fastify's own serializer logs the URL as it came. */
export function requestFields(request: unknown) {
  // A serializer must not throw, whatever is logged under `req`.
  if (typeof request !== 'object' || request === null) {
    return request;
  }
  const { method, url, ip, socket } = request as LoggedRequest;
  return {
    method,
    url: typeof url === 'string' && url.includes('?') ? redact(url) : url,
    remoteAddress: ip,
    remotePort: socket?.remotePort,
  };
}

/** The fields of a Fastify request that a log line shows. */
interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** One factory for the server and the CLI: JSON lines, the same redaction everywhere. */
export function createLogger(level: string, destination?: DestinationStream): pino.Logger {
  const options = {
    level,
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    serializers: { req: requestFields },
  };
  return destination ? pino(options, destination) : pino(options);
}
