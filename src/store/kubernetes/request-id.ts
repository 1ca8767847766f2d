import { createHmac } from 'node:crypto';
import type { SecretsApi } from './secrets-api.js';
import { createSharedSecrets, sharedSecretName } from './shared-secrets.js';

/** Holds the key that turns (email, model) into a request id (shared-secrets.ts). */
export const ID_KEY_SECRET_NAME = sharedSecretName('id-key');

/** Request ids are deterministic per (email, model), so replicas that create the same
 * request at once race for one Secret name and the API server lets exactly one win
 * (409 AlreadyExists for the others). They are keyed (HMAC with a per-namespace random key):
 * knowing someone's email must not reveal their requests. */
export function createRequestIds({ api }: { api: Pick<SecretsApi, 'get' | 'create'> }) {
  const secrets = createSharedSecrets({ api });

  return {
    /** A UUID-shaped id (version 8, "custom"), so clients that expect the old service's UUIDs keep working. */
    async idFor(email: string, model: string): Promise<string> {
      const digest = createHmac('sha256', await secrets.get('id-key'))
        .update(`${email}\n${model}`, 'utf8')
        .digest()
        .subarray(0, 16);
      digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x80;
      digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
      const hex = digest.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}
