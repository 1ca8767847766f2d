import type { RateLimit } from '../config/app-config.js';
import { createFixedWindow } from './fixed-window.js';
import { rateLimited } from './rate-limited.js';

/** Limits how many NEW requests one address and one email domain may make per window
 * (a POST that finds an existing request is not new). The request route asks before it
 * submits and reports after, because only the store knows whether the POST created one. */
export interface NewRequestLimiter {
  /** Throws `rate-limited` (with `retryAfterSeconds`) when the address or its domain has used
   * its share; otherwise holds a slot for this submission until `record` settles it, so
   * concurrent submissions cannot all slip under the limit. */
  check(canonicalEmail: string): void;
  /** Settles the slot `check` held: counts a new request when `created`, frees it otherwise.
   * Call it exactly once per successful `check`, also when the submission failed. */
  record(canonicalEmail: string, created: boolean): void;
}

export interface NewRequestLimiterOptions {
  perAddress: RateLimit;
  perDomain: RateLimit;
  now?: () => number;
}

/** In memory, so per process: with N replicas behind a load balancer that spreads requests,
 * an address may get up to N times its share (README "Security"). */
export function createNewRequestLimiter({
  perAddress,
  perDomain,
  now,
}: NewRequestLimiterOptions): NewRequestLimiter {
  const scopes = [
    { what: 'this email address', keyOf: (email: string) => `address:${email}`, limit: perAddress },
    { what: 'this email domain', keyOf: (email: string) => `domain:${domainOf(email)}`, limit: perDomain },
  ].map((scope) => ({ ...scope, window: createFixedWindow({ ...scope.limit, now }) }));
  /** Submissions checked but not yet recorded, per scope key. */
  const inFlight = new Map<string, number>();

  function adjust(key: string, by: number): void {
    const count = (inFlight.get(key) ?? 0) + by;
    if (count > 0) {
      inFlight.set(key, count);
    } else {
      inFlight.delete(key);
    }
  }

  return {
    check(email) {
      for (const scope of scopes) {
        const key = scope.keyOf(email);
        const waitMs = scope.window.waitMs(key, inFlight.get(key) ?? 0);
        if (waitMs > 0) {
          throw rateLimited(`Too many new key requests for ${scope.what}`, waitMs);
        }
      }
      for (const scope of scopes) {
        adjust(scope.keyOf(email), 1);
      }
    },

    record(email, created) {
      for (const scope of scopes) {
        const key = scope.keyOf(email);
        adjust(key, -1);
        if (created) {
          scope.window.add(key);
        }
      }
    },
  };
}

/** Runs one submission under the limiter: `check` before the store is asked (so an address
 * over its limit gets 429 whether or not its request exists, and the answer tells nothing
 * about that), then `record` whether `counts` says it made a new request, also when it failed. */
export async function withinNewRequestLimits<T>(
  limiter: NewRequestLimiter,
  canonicalEmail: string,
  submit: () => Promise<T>,
  counts: (result: T) => boolean,
): Promise<T> {
  limiter.check(canonicalEmail);
  let created = false;
  try {
    const result = await submit();
    created = counts(result);
    return result;
  } finally {
    limiter.record(canonicalEmail, created);
  }
}

/** `limits.enabled: false`: nothing is limited. */
export const unlimitedNewRequests: NewRequestLimiter = {
  check() {},
  record() {},
};

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}
