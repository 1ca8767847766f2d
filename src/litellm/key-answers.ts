import { isRecord } from './litellm-http.js';
import type { KeyInfo } from './litellm-types.js';

/** A timestamp with its zone: `Z` or an offset. */
const ZONED = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/** LiteLLM's `expires`: a Python `isoformat()` string (microseconds, `+00:00`), null for a key
 * that never expires. Returns the instant as ISO 8601 UTC, null for "never", or undefined when
 * the answer does not say (field missing, or not a timestamp): the caller must find out
 * another way rather than guess. A timestamp without a zone is UTC, as LiteLLM writes it. */
export function readExpires(value: unknown): string | null | undefined {
  if (value === null) {
    return null;
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  const text = value.trim().replace(' ', 'T');
  const instant = new Date(ZONED.test(text) ? text : `${text}Z`);
  return Number.isNaN(instant.getTime()) ? undefined : instant.toISOString();
}

/** The `/key/info` answer `{key, info: {...}}` as a KeyInfo; undefined when it is not one (no
 * `info` object, or an `expires` that is not a timestamp), which the caller reports as
 * unusable. Every LiteLLM release has the `expires` column; a missing one reads as "never". */
export function readKeyInfo(json: unknown, keyHash: string, now: number): KeyInfo | undefined {
  const info = isRecord(json) && isRecord(json.info) ? json.info : undefined;
  if (info === undefined) {
    return undefined;
  }
  const expires = readExpires(info.expires ?? null);
  if (expires === undefined) {
    return undefined;
  }
  return {
    keyHash,
    expires,
    live: expires === null || Date.parse(expires) > now,
    keyAlias: typeof info.key_alias === 'string' ? info.key_alias : null,
    spend: finiteOrNull(info.spend),
    maxBudget: finiteOrNull(info.max_budget),
    budgetDuration: typeof info.budget_duration === 'string' ? info.budget_duration : null,
  };
}

/** LiteLLM (since v1.52, PR #6653) answers an unknown key with 404 "Key not found in
 * database", type not_found_error; some paths and older releases say so with a 400. */
export function isNotFoundAnswer(status: number, json: unknown): boolean {
  if (status === 404) {
    return true;
  }
  if (status !== 400 || !isRecord(json) || !isRecord(json.error)) {
    return false;
  }
  const { type, message } = json.error;
  return type === 'not_found_error' || (typeof message === 'string' && /not found/i.test(message));
}

/** `/key/generate` refused because another key holds the alias (`_enforce_unique_key_alias`):
 * 400, param `key_alias`, "Key with alias '…' already exists" (older releases: "Unique key
 * aliases across all keys are required. Key alias=… already exists."). */
export function isAliasTakenAnswer(status: number, json: unknown): boolean {
  if (status !== 400 || !isRecord(json) || !isRecord(json.error)) {
    return false;
  }
  const { param, message } = json.error;
  const text = typeof message === 'string' ? message : '';
  return param === 'key_alias' || (/alias/i.test(text) && /already exists/i.test(text));
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
