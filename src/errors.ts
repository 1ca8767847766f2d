/** The closed set of failures the API reports. The error handler (http/error-handler.ts)
 * maps each code to one status and one body shape; nothing else decides statuses. */
export type ErrorCode = 'validation' | 'not-found' | 'unauthorized' | 'conflict' | 'store-unavailable';

/** One entry of FastAPI's 422 `detail` list, which the existing frontend parses. */
export interface FieldProblem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export function validationError(loc: (string | number)[], msg: string, type = 'value_error'): AppError {
  return new AppError('validation', msg, [{ loc, msg, type }]);
}

export function notFound(message: string): AppError {
  return new AppError('not-found', message);
}

/** The store did not answer; the caller may retry. The cause is logged, never sent. */
export function storeUnavailable(cause: unknown): AppError {
  return new AppError('store-unavailable', 'The request store is unavailable, please retry shortly', [], {
    cause,
  });
}

/** Runs a store call; any failure becomes a 503 `store-unavailable`, with the cause kept for the log. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw storeUnavailable(error);
  }
}
