import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { AppError, corruptRecord } from '../../shared/errors.js';
import { onceUntilFailure } from '../../shared/once-until-failure.js';
import { isSharedSecretName } from '../request-store.js';
import { APP_NAME } from './secret-codec.js';
import type { SecretsApi } from './secrets-api.js';

/** Keys every replica must share, one Secret each: `llm-key-requestor-<name>`, immutable, 32
 * random bytes in `data.key`. Not request Secrets: their component label differs, so request
 * selectors never see them. The first replica that needs one creates it; one that loses that
 * race (409 AlreadyExists) reads the winner's, so all replicas agree. */

const KEY_FIELD = 'key';

/** Labels and descriptions of the secrets the service uses; any other name gets a generic one. */
const KNOWN: Record<string, { component: string; description: string }> = {
  'id-key': {
    component: 'request-id-key',
    description: 'Derives request ids from email and model. Deleting it changes future ids.',
  },
  'token-key': {
    component: 'requester-token-key',
    description:
      'Signs the request links mailed to requesters. Deleting it invalidates every link sent so far.',
  },
};

export function sharedSecretName(name: string): string {
  return `${APP_NAME}-${name}`;
}

export interface SharedSecrets {
  /** The key stored under `name`, created on first use; read once per process. */
  get(name: string): Promise<Buffer>;
}

export function createSharedSecrets({ api }: { api: Pick<SecretsApi, 'get' | 'create'> }): SharedSecrets {
  const keys = new Map<string, () => Promise<Buffer>>();

  async function load(name: string): Promise<Buffer> {
    const secretName = sharedSecretName(name);
    const existing = await api.get(secretName);
    if (existing) {
      return readKey(existing, secretName);
    }
    const known = KNOWN[name] ?? { component: 'shared-secret', description: `Shared secret "${name}".` };
    const created = await api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      immutable: true,
      metadata: {
        name: secretName,
        labels: { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/component': known.component },
        annotations: { description: known.description },
      },
      data: { [KEY_FIELD]: randomBytes(32).toString('base64') },
    });
    if (created.ok) {
      return readKey(created.value, secretName);
    }
    // Another replica created it between our read and our create: use theirs.
    const winner = await api.get(secretName);
    if (!winner) {
      throw corruptRecord(`Secret ${secretName} vanished right after another process created it`);
    }
    return readKey(winner, secretName);
  }

  return {
    get(name) {
      if (!isSharedSecretName(name)) {
        return Promise.reject(new AppError('internal', `invalid shared secret name ${JSON.stringify(name)}`));
      }
      let key = keys.get(name);
      if (key === undefined) {
        // A failed load (API down) is not remembered: the next call tries again.
        key = onceUntilFailure(() => load(name));
        keys.set(name, key);
      }
      return key();
    },
  };
}

function readKey(secret: V1Secret, secretName: string): Buffer {
  const value = secret.data?.[KEY_FIELD];
  const key = value === undefined ? Buffer.alloc(0) : Buffer.from(value, 'base64');
  if (key.length < 16) {
    throw corruptRecord(
      `Secret ${secretName} has no usable "${KEY_FIELD}"; delete it to have a new one made`,
    );
  }
  return key;
}
