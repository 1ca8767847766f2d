/** The one error type of the service. `code` is a closed set; `retry` says whether the
 * same call may succeed later (a dependency down, a lost race) or never will (bad input,
 * a permanent refusal). The HTTP error handler (http/error-handler.ts) maps each code to
 * one status and body; the worker backs off on `retry: true` and gives up on `retry: false`.
 *
 * API codes: validation 422, not-found 404, unauthorized 401, conflict 409,
 * rate-limited 429, store-unavailable 503. Dependency codes (never sent to a client as such):
 * unreachable, timeout, bad-response (an answer we cannot use), rejected (a definite no).
 * `internal` is a bug or a broken invariant: 500, logged as an error. */
export type ErrorCode =
  | 'validation'
  | 'not-found'
  | 'unauthorized'
  | 'conflict'
  | 'rate-limited'
  | 'store-unavailable'
  | 'unreachable'
  | 'timeout'
  | 'bad-response'
  | 'rejected'
  | 'internal';

/** One entry of FastAPI's 422 `detail` list, which the existing frontend parses. */
export interface FieldProblem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export interface AppErrorOptions {
  /** Default: true for store-unavailable, unreachable, timeout and conflict; false otherwise. */
  retry?: boolean;
  /** The HTTP status a dependency answered with, when there was one. */
  status?: number;
  details?: FieldProblem[];
  cause?: unknown;
  /** rate-limited: when the caller may try again; sent as `Retry-After` (seconds). */
  retryAfterSeconds?: number;
}

const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  'store-unavailable',
  'unreachable',
  'timeout',
  'conflict',
]);

export class AppError extends Error {
  readonly retry: boolean;
  readonly status: number | undefined;
  readonly details: FieldProblem[];
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.retry = options.retry ?? RETRYABLE.has(code);
    this.status = options.status;
    this.details = options.details ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function validationError(loc: (string | number)[], msg: string, type = 'value_error'): AppError {
  return new AppError('validation', msg, { details: [{ loc, msg, type }] });
}

export function notFound(message: string): AppError {
  return new AppError('not-found', message);
}

/** What an HTTP client is told for any `store-unavailable`, whichever store failed how: where
 * the store lives (a file path, an API server's address) is for the log only. */
export const STORE_UNAVAILABLE_MESSAGE = 'The request store is unavailable, please retry shortly';

/** The store did not answer; the caller may retry. The cause is logged, never sent. */
export function storeUnavailable(cause: unknown): AppError {
  return new AppError('store-unavailable', STORE_UNAVAILABLE_MESSAGE, { cause });
}

/** A record the store holds but cannot use (it does not decode, or a write does not read back
 * as written), or a store invariant broken: a corrupt record or a bug, not an outage, so
 * `internal` (500, logged as an error), never the 503 that tells a client to retry. */
export function corruptRecord(message: string, cause?: unknown): AppError {
  return new AppError('internal', message, cause === undefined ? {} : { cause });
}

/** Runs a store call. The stores raise AppErrors on purpose (`store-unavailable` for an API
 * server that does not answer, `internal` via `corruptRecord`), and those pass unchanged;
 * anything else thrown (a refused connection, a timeout, a closed or locked database) is a
 * failure to reach the store: a 503 `store-unavailable`, with the cause kept for the log. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof AppError ? error : storeUnavailable(error);
  }
}

/** The same failure with what we were doing in front of its message ("key not minted: …");
 * code, retry flag and status stay, the original is kept as the cause. */
export function withContext(error: AppError, context: string): AppError {
  return new AppError(error.code, `${context}: ${error.message}`, {
    retry: error.retry,
    status: error.status,
    details: error.details,
    cause: error,
  });
}
