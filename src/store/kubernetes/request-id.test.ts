import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKubernetes, startFakeKubernetes } from '../../../test/support/fake-kubernetes.js';
import { testKubeConfig } from '../../../test/support/kubeconfig.js';
import { createRequestIds, ID_KEY_SECRET_NAME } from './request-id.js';
import { isValidRequestId, secretName } from './secret-codec.js';
import { createSecretsApi, type SecretsApi } from './secrets-api.js';

const NAMESPACE = 'llm-keys';
/** A Kubernetes object name: a DNS subdomain of at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

let fake: FakeKubernetes;
beforeEach(async () => {
  fake = await startFakeKubernetes();
});
afterEach(async () => {
  await fake.close();
});

/** The Secrets API one replica would use, against the fake API server. */
function replicaApi(server = fake): SecretsApi {
  return createSecretsApi({
    kubeConfig: testKubeConfig({ server: server.url, namespace: NAMESPACE }),
    namespace: NAMESPACE,
    timeoutMs: 5_000,
    maxConcurrent: 4,
  });
}

const idKeyCreates = () =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === `/api/v1/namespaces/${NAMESPACE}/secrets`);

describe('request ids', () => {
  it('are the same for the same email and model on every replica sharing the key', async () => {
    const [a, b] = [createRequestIds({ api: replicaApi() }), createRequestIds({ api: replicaApi() })];
    const first = await a.idFor('jane@example.com', 'gpt-4o');
    expect(await a.idFor('jane@example.com', 'gpt-4o')).toBe(first);
    expect(await b.idFor('jane@example.com', 'gpt-4o')).toBe(first);
  });

  it('differ for another model or another email', async () => {
    const ids = createRequestIds({ api: replicaApi() });
    const all = await Promise.all([
      ids.idFor('jane@example.com', 'gpt-4o'),
      ids.idFor('jane@example.com', 'gpt-4o-mini'),
      ids.idFor('john@example.com', 'gpt-4o'),
      // The separator keeps (email, model) pairs apart even when their concatenations match.
      ids.idFor('jane@example.comg', 'pt-4o'),
    ]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('depend on the namespace key, so an email alone does not reveal them', async () => {
    const other = await startFakeKubernetes();
    try {
      const here = await createRequestIds({ api: replicaApi() }).idFor('jane@example.com', 'gpt-4o');
      const there = await createRequestIds({ api: replicaApi(other) }).idFor('jane@example.com', 'gpt-4o');
      expect(there).not.toBe(here);
    } finally {
      await other.close();
    }
  });

  it('are UUID-shaped and valid Secret name suffixes', async () => {
    const ids = createRequestIds({ api: replicaApi() });
    for (const [email, model] of [
      ['jane@example.com', 'gpt-4o'],
      ['x@y.example.org', 'anthropic/claude-3.5-sonnet:beta'],
    ] as const) {
      const id = await ids.idFor(email, model);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isValidRequestId(id)).toBe(true);
      expect(secretName(id)).toMatch(DNS_SUBDOMAIN);
      expect(secretName(id).length).toBeLessThanOrEqual(253);
    }
  });
});

describe('the id key Secret', () => {
  it('is created once, immutable and outside the request selector, then reused', async () => {
    const a = createRequestIds({ api: replicaApi() });
    await a.idFor('jane@example.com', 'gpt-4o');
    await a.idFor('john@example.com', 'gpt-4o');
    await createRequestIds({ api: replicaApi() }).idFor('jane@example.com', 'gpt-4o');
    expect(idKeyCreates()).toHaveLength(1);
    const secret = fake.storage.get(NAMESPACE, ID_KEY_SECRET_NAME);
    expect(secret.immutable).toBe(true);
    expect(secret.metadata.labels?.['app.kubernetes.io/component']).toBe('request-id-key');
    expect(Buffer.from(secret.data?.key ?? '', 'base64').length).toBe(32);
  });

  it('is adopted from the replica that created it first when two race to create it', async () => {
    const winner = createRequestIds({ api: replicaApi() });
    const api = replicaApi();
    let raced = false;
    // The loser reads "no key yet"; the winner creates it before the loser's create arrives.
    const loser = createRequestIds({
      api: {
        async get(name) {
          const found = await api.get(name);
          if (found === null && !raced) {
            raced = true;
            await winner.idFor('someone@example.com', 'm1');
          }
          return found;
        },
        create: (secret) => api.create(secret),
      },
    });
    const fromLoser = await loser.idFor('jane@example.com', 'gpt-4o');
    expect(raced).toBe(true);
    expect(idKeyCreates()).toHaveLength(2);
    expect(fromLoser).toBe(await winner.idFor('jane@example.com', 'gpt-4o'));
    const stored = fake.storage.list({
      namespace: NAMESPACE,
      labels: [],
      fields: [],
      limit: undefined,
      continueToken: undefined,
    });
    expect(stored.items.map((secret) => secret.metadata.name)).toEqual([ID_KEY_SECRET_NAME]);
  });

  it('is read again after a failed load instead of remembering the failure', async () => {
    const ids = createRequestIds({ api: replicaApi() });
    fake.injectFault({ status: 503, times: 1 });
    await expect(ids.idFor('jane@example.com', 'gpt-4o')).rejects.toThrow(/503/);
    const id = await ids.idFor('jane@example.com', 'gpt-4o');
    expect(isValidRequestId(id)).toBe(true);
  });

  it('refuses a key too short to be safe, naming the Secret to delete', async () => {
    const api = replicaApi();
    await api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: ID_KEY_SECRET_NAME },
      data: { key: Buffer.from('short').toString('base64') },
    });
    await expect(createRequestIds({ api }).idFor('jane@example.com', 'gpt-4o')).rejects.toThrow(
      `Secret ${ID_KEY_SECRET_NAME} has no usable "key"`,
    );
  });
});
