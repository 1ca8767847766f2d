import { createHmac, randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { APP_NAME } from './secret-codec.js';
import type { SecretsApi } from './secrets-api.js';

/** Holds the key that turns (email, model) into a request id. Not a request Secret: it has
 * another component label, so request selectors never see it. Immutable once created. */
export const ID_KEY_SECRET_NAME = 'llm-key-requestor-id-key';
const ID_KEY_FIELD = 'key';

/** Request ids are deterministic per (email, model), so replicas that create the same
 * request at once race for one Secret name and the API server lets exactly one win
 * (409 AlreadyExists for the others). The id is also what a requester uses to read the
 * status without credentials, so it is keyed (HMAC with a per-namespace random key):
 * knowing someone's email must not reveal their requests. */
export function createRequestIds({ api }: { api: Pick<SecretsApi, 'get' | 'create'> }) {
  let key: Promise<Buffer> | null = null;

  async function loadKey(): Promise<Buffer> {
    const existing = await api.get(ID_KEY_SECRET_NAME);
    if (existing) {
      return readKey(existing);
    }
    const created = await api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      immutable: true,
      metadata: {
        name: ID_KEY_SECRET_NAME,
        labels: { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/component': 'request-id-key' },
        annotations: {
          description: 'Derives request ids from email and model. Deleting it changes future ids.',
        },
      },
      data: { [ID_KEY_FIELD]: randomBytes(32).toString('base64') },
    });
    if (created.ok) {
      return readKey(created.value);
    }
    // Another replica created it between our read and our create: use theirs.
    const winner = await api.get(ID_KEY_SECRET_NAME);
    if (!winner) {
      throw new Error(`Secret ${ID_KEY_SECRET_NAME} vanished right after another process created it`);
    }
    return readKey(winner);
  }

  return {
    /** A UUID-shaped id (version 8, "custom"), so clients that expect the old service's UUIDs keep working. */
    async idFor(email: string, model: string): Promise<string> {
      if (key === null) {
        key = loadKey();
        // A failed load (API down) must not be remembered; the next call retries.
        key.catch(() => {
          key = null;
        });
      }
      const digest = createHmac('sha256', await key)
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

function readKey(secret: V1Secret): Buffer {
  const value = secret.data?.[ID_KEY_FIELD];
  const key = value === undefined ? Buffer.alloc(0) : Buffer.from(value, 'base64');
  if (key.length < 16) {
    throw new Error(
      `Secret ${ID_KEY_SECRET_NAME} has no usable "${ID_KEY_FIELD}"; delete it to have a new one made`,
    );
  }
  return key;
}
