import pino, { type DestinationStream } from 'pino';
import { REDACTED } from './redact.js';

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

/** Field names that never reach a log line with their value, whatever logs them by
 * accident: the admin Authorization header, keys (minted, reserved, master) and passwords. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'apiKey',
  'api_key',
  'pendingKey',
  'password',
  '*.password',
  '*.apiKey',
  '*.api_key',
];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One factory for the server and the CLI: JSON lines, the same redaction everywhere. */
export function createLogger(level: string, destination?: DestinationStream): pino.Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: REDACTED } };
  return destination ? pino(options, destination) : pino(options);
}
