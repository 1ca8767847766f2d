import type { KeyRequest } from './request-types.js';

/** `sk-…abcd`: enough to tell keys apart, useless to an attacker. */
export function maskKey(key: string | null): string | undefined {
  if (key === null) {
    return undefined;
  }
  return `${key.startsWith('sk-') ? 'sk-' : ''}…${key.slice(-4)}`;
}

/** The masked form of the request's key: from its last four characters, kept when the plain
 * key is not (keys are minted as `sk-…`); for records written before hints were kept, from the
 * plain key. Every view that shows a key (admin, CLI, requester) shows this. */
export function maskedKey(request: Pick<KeyRequest, 'keyHint' | 'apiKey'>): string | undefined {
  return request.keyHint === null ? maskKey(request.apiKey) : `sk-…${request.keyHint}`;
}
