import type { AppError } from './errors.js';

/** The one shape of an expected outcome: a value, or a typed error that says whether
 * trying again can help (`error.retry`). Expected failures (a dependency down, a
 * conflicting write, a denied request) are results; only bugs and broken invariants throw. */
export type Result<T, E = AppError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
