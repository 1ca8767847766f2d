import { createHmac, timingSafeEqual } from 'node:crypto';
import { onceUntilFailure } from '../shared/once-until-failure.js';
import type { RequestStore } from '../store/request-store.js';

/** The requester's token: what lets the person who made a request (and only them: it is mailed
 * to their address) read its details and renew or revoke it (docs/design.md, "Requester
 * token"). It is HMAC-SHA256 of the request id under a random server secret kept in the store,
 * so every replica computes the same token and nothing has to be stored per request. */

/** The store's shared secret the tokens derive from. Deleting it (Kubernetes: the Secret
 * `llm-key-requestor-token-key`) invalidates every link mailed so far. */
export const TOKEN_SECRET_NAME = 'token-key';

export function requesterToken(secret: Buffer, requestId: string): string {
  return createHmac('sha256', secret).update(requestId, 'utf8').digest('base64url');
}

/** Compared in constant time, so the answer time tells nothing about how much of a guess was right. */
export function isRequesterToken(secret: Buffer, requestId: string, token: string): boolean {
  const expected = Buffer.from(requesterToken(secret, requestId), 'utf8');
  const given = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `<public_url>/requests/<id>?token=<t>`: the page every requester mail links to. */
export function requestPageUrl(publicUrl: string, requestId: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/requests/${encodeURIComponent(requestId)}?token=${token}`;
}

export interface RequesterTokens {
  /** False for a missing or wrong token. */
  verify(requestId: string, token: string | undefined): Promise<boolean>;
  /** The page URL with its token. */
  pageUrl(requestId: string): Promise<string>;
  /** Both, from one HMAC: what a new request's answer hands back. */
  tokenAndPageUrl(requestId: string): Promise<{ token: string; url: string }>;
}

/** Tokens under the store's `token-key` secret, read once per process (the store creates it on
 * first use; concurrent creators agree on one). A failed read is not remembered. */
export function createRequesterTokens({
  store,
  publicUrl,
}: {
  store: Pick<RequestStore, 'sharedSecret'>;
  publicUrl: string;
}): RequesterTokens {
  const key = onceUntilFailure(() => store.sharedSecret(TOKEN_SECRET_NAME));
  return {
    async verify(requestId, token) {
      return token !== undefined && isRequesterToken(await key(), requestId, token);
    },
    async pageUrl(requestId) {
      return requestPageUrl(publicUrl, requestId, requesterToken(await key(), requestId));
    },
    async tokenAndPageUrl(requestId) {
      const token = requesterToken(await key(), requestId);
      return { token, url: requestPageUrl(publicUrl, requestId, token) };
    },
  };
}
