import { createHash } from 'node:crypto';

/** LiteLLM's `token` for a key: the sha256 hex of the key value (its `hash_token`). LiteLLM
 * stores only this, and its admin routes (`/key/info`, `/key/update`, `/key/delete`) accept
 * it in place of the key, so a key we stopped keeping can still be looked up and revoked. */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The hash for a value that names an existing key, read the way LiteLLM reads it: a value
 * starting `sk-` is a key and is hashed here, so the key itself never goes into a URL or a
 * body; anything else is taken to be the hash already. */
export function toKeyHash(keyOrHash: string): string {
  return keyOrHash.startsWith('sk-') ? keyHash(keyOrHash) : keyOrHash;
}
