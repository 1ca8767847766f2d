import type { DutyPolicy } from './duties.js';
import type { KeyRequest } from './request-types.js';

/** The key lifecycle settings the rules need (`lifecycle.*` in the config). */
export interface LifecyclePolicy extends DutyPolicy {
  /** `lifecycle.deny_cooldown` in ms: how long after a denial the requester may ask again; 0 = at once. */
  denyCooldownMs: number;
}

type KeyFields = Pick<
  KeyRequest,
  'state' | 'handledState' | 'expiresAt' | 'keyHash' | 'apiKey' | 'pendingKey'
>;

/** Whether the request holds a key that is (or is about to be) live on LiteLLM at `now`:
 * never once revoked or expired, nor past its expiry; an approved request whose key is being
 * issued for this cycle does; otherwise any key material we know of (the hash, or for records
 * written before hashes were kept the plain or the reserved key) counts. Revoke is allowed
 * exactly while this holds (transitions.ts). */
export function holdsLiveKey(request: KeyFields, now: number): boolean {
  if (request.state === 'revoked' || request.state === 'expired') {
    return false;
  }
  if (request.state === 'approved' && request.handledState !== 'approved') {
    return true;
  }
  if (request.expiresAt !== null && Date.parse(request.expiresAt) <= now) {
    return false;
  }
  return (
    request.state === 'approved' ||
    request.keyHash !== null ||
    request.apiKey !== null ||
    request.pendingKey !== null
  );
}

/** When the request was last denied (epoch ms): its newest history entry into `denied`, else
 * (records without a history) its last visible change. */
export function deniedAt(request: Pick<KeyRequest, 'history' | 'updatedAt'>): number {
  for (let index = request.history.length - 1; index >= 0; index--) {
    const entry = request.history[index];
    if (entry?.to === 'denied' && entry.from !== 'denied') {
      return Date.parse(entry.at);
    }
  }
  return Date.parse(request.updatedAt);
}

/** Whether the requester may start a new cycle now (a POST for the same address and model, or
 * Renew on the request's page): after expiry or revocation; after a denial once
 * `denyCooldownMs` has passed; or while approved, within `remindBeforeMs` of the issued key's
 * expiry. The current key stays live until its own expiry meanwhile. */
export function renewable(
  request: KeyFields & Pick<KeyRequest, 'history' | 'updatedAt'>,
  now: number,
  policy: LifecyclePolicy,
): boolean {
  switch (request.state) {
    case 'expired':
    case 'revoked':
      return true;
    case 'denied':
      return now - deniedAt(request) >= policy.denyCooldownMs;
    case 'approved':
      return (
        request.handledState === 'approved' &&
        request.expiresAt !== null &&
        Date.parse(request.expiresAt) - policy.remindBeforeMs <= now
      );
    default:
      return false;
  }
}
