import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyRequest } from '../src/requests/request-types.js';
import { storeCall } from '../src/shared/errors.js';
import { KubernetesApiError } from '../src/store/kubernetes/api-errors.js';
import { createKubernetesStore } from '../src/store/kubernetes/kubernetes-store.js';
import type { RequestStore } from '../src/store/request-store.js';
import { type KubernetesStoreHarness, startKubernetesStore } from './support/fake-kubernetes-store.js';
import { testKubeConfig } from './support/kubeconfig.js';
import { recordingLogger } from './support/recording-logger.js';
import { waitUntil } from './support/wait.js';

let h: KubernetesStoreHarness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function start(overrides: Parameters<typeof startKubernetesStore>[0] = {}) {
  h = await startKubernetesStore(overrides);
  return h;
}

/** List calls (not watches) on the namespace's Secrets. */
const lists = (harness: KubernetesStoreHarness) =>
  harness.fake.requests.filter(
    (r) => r.method === 'GET' && r.path.endsWith('/secrets') && r.query.watch === undefined,
  );

const claim = (store: RequestStore, limit = 10) =>
  store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'w', now: Date.now(), leaseMs: 60_000, limit });

describe('Kubernetes store: how it uses the API', () => {
  it('lists once, then answers look-ups, claims, listings and stats from memory', async () => {
    const { store, fake } = await start();
    for (let i = 0; i < 5; i++) {
      await store.create({ email: `u${i}@example.com`, model: 'm1' });
    }
    expect(lists(h as KubernetesStoreHarness).map((r) => r.query.labelSelector)).toEqual([
      'app.kubernetes.io/component=llm-key-request',
    ]);
    fake.requests.length = 0;
    expect((await store.findByEmailAndModel('U3@example.com', 'm1'))?.email).toBe('u3@example.com');
    expect((await store.create({ email: 'u4@example.com', model: 'm1' })).created).toBe(false);
    expect(await claim(store, 2)).toHaveLength(2);
    expect((await store.list({ limit: 3, state: 'pending' })).items).toHaveLength(3);
    expect((await store.stats()).byState.pending).toBe(5);
    // Only the claims' two conditional writes reached the API server.
    expect(fake.requests.map((r) => r.method)).toEqual(['PUT', 'PUT']);
  });

  it('reads the first list in pages of the configured size, and watches from its version', async () => {
    const { store, fake } = await start({ pageSize: 2 });
    const other = (h as KubernetesStoreHarness).replica();
    for (let i = 0; i < 5; i++) {
      await other.create({ email: `u${i}@example.com`, model: 'm1' });
    }
    fake.requests.length = 0;
    expect(await claim(store)).toHaveLength(5);
    expect(
      lists(h as KubernetesStoreHarness).map((r) => [r.query.limit, r.query.continue !== undefined]),
    ).toEqual([
      ['2', false],
      ['2', true],
      ['2', true],
    ]);
    const watch = fake.requests.find((r) => r.query.watch === 'true');
    expect(watch?.query).toMatchObject({
      labelSelector: 'app.kubernetes.io/component=llm-key-request',
      allowWatchBookmarks: 'true',
    });
    expect(Number(watch?.query.resourceVersion)).toBeGreaterThan(0);
  });

  it('reports a write lost to a kubectl edit as a conflict and keeps the edit', async () => {
    const { store, fake, namespace } = await start();
    const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
    const name = `llm-key-request-${request.id}`;
    const current = fake.storage.get(namespace, name);
    fake.storage.replace(namespace, name, {
      ...current,
      metadata: { ...current.metadata, labels: { ...current.metadata.labels, 'request-state': 'approved' } },
    });
    expect(await store.update(request.id, request.version, { state: 'denied', reason: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect(fake.storage.get(namespace, name).metadata.labels?.['request-state']).toBe('approved');
  });

  it('turns a 409 from the API server into a conflict, without retrying', async () => {
    const { store, fake } = await start();
    const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
    // The store holds the current version; another writer slips in between its read and its PUT.
    fake.injectFault({ method: 'PUT', status: 409, times: 1 });
    expect(await store.update(request.id, request.version, { reason: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('does not let two replicas claim the same request', async () => {
    const harness = await start();
    for (let i = 0; i < 20; i++) {
      await harness.store.create({ email: `u${i}@example.com`, model: 'm1' });
    }
    const replicas = [harness.store, harness.replica(), harness.replica()];
    const now = Date.now();
    // Each replica lists on its first claim, so each sees all 20.
    const results = await Promise.all(
      replicas.map((store, i) =>
        store.claimDue({ policy: { remindBeforeMs: 0 }, owner: `r${i}`, now, leaseMs: 60_000, limit: 8 }),
      ),
    );
    const ids = results.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(20);
  });

  it('answers stats from memory, with its own writes counted at once', async () => {
    const { store, fake } = await start();
    await store.create({ email: 'a@example.com', model: 'm1' });
    expect((await store.stats()).byState.pending).toBe(1);
    fake.requests.length = 0;
    await store.create({ email: 'b@example.com', model: 'm1' });
    expect((await store.stats()).byState.pending).toBe(2);
    expect(fake.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('never logs keys or other Secret data', async () => {
    const { store, logger } = await start();
    const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
    const updated = await store.update(request.id, request.version, {
      state: 'approved',
      pendingKey: 'sk-very-secret',
    });
    if (!updated.ok) {
      throw new Error('update failed');
    }
    await store.update(updated.value.id, updated.value.version, { apiKey: 'sk-very-secret' });
    await store.update(request.id, request.version, { apiKey: 'sk-very-secret' });
    h?.fake.injectFault({ status: 500 });
    await store.get(request.id).catch((error: Error) => {
      expect(error.message).not.toContain('sk-very-secret');
    });
    await store.ping().catch(() => undefined);
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(logger.entries)).not.toContain('sk-very-secret');
  });
});

describe('Kubernetes store: shared secrets', () => {
  it('reads a shared secret once per process, and tries again after a read that failed', async () => {
    const { store, fake } = await start();
    const secretReads = () =>
      fake.requests.filter(
        (r) => r.method === 'GET' && r.path.endsWith('/secrets/llm-key-requestor-token-key'),
      );
    const removeFault = fake.injectFault({
      method: 'GET',
      pathIncludes: 'llm-key-requestor-token-key',
      status: 500,
    });
    await expect(store.sharedSecret('token-key')).rejects.toThrow();
    removeFault();
    const key = await store.sharedSecret('token-key');
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect((await store.sharedSecret('token-key')).equals(key)).toBe(true);
    // The failed read, the one after it that created the Secret (it was missing), and no more.
    expect(secretReads().map((r) => r.fault ?? 'served')).toEqual(['500', 'served']);
  });
});

describe('Kubernetes store: readiness', () => {
  it('fails ping with a readable reason when RBAC forbids listing secrets, and logs it once', async () => {
    const { store, fake, logger } = await start();
    fake.injectFault({ status: 403 });
    for (let i = 0; i < 3; i++) {
      const error = await store.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KubernetesApiError);
      expect((error as KubernetesApiError).failure).toBe('forbidden');
      expect((error as Error).message).toMatch(/forbidden \(403, namespace "llm-keys"/);
    }
    const warnings = logger.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.fields.reason)).toContain('403');
    fake.clearFaults();
    await expect(store.ping()).resolves.toBeUndefined();
    expect(logger.entries.at(-1)?.message).toBe('Kubernetes API reachable again');
  });

  it('fails ping when the API server is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const store = createKubernetesStore({
      namespace: 'x',
      kubeConfig: testKubeConfig({ server: `http://127.0.0.1:${port}` }),
      logger: recordingLogger().logger,
    });
    const error = await store.ping().catch((e: unknown) => e);
    expect(error).toMatchObject({ failure: 'unreachable' });
    expect((error as Error).message).toContain('ECONNREFUSED');
    await expect(store.create({ email: 'a@example.com', model: 'm1' })).rejects.toThrow(KubernetesApiError);
    await store.close();
  });

  it('gives up on a hung API server after the request timeout', async () => {
    const { store, fake } = await start({ requestTimeoutMs: 300 });
    const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
    fake.injectFault({ hang: true });
    const started = Date.now();
    await expect(store.ping()).rejects.toMatchObject({ failure: 'timeout' });
    await expect(store.update(request.id, '0', { reason: 'x' })).rejects.toMatchObject({
      failure: 'timeout',
    });
    await expect(
      store.claimDue({
        policy: { remindBeforeMs: 0 },
        owner: 'w',
        now: Date.now(),
        leaseMs: 1_000,
        limit: 1,
      }),
    ).rejects.toMatchObject({ failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('raises internal, not store-unavailable, for a Secret it cannot read when updating it', async () => {
    const { store, fake, namespace } = await start();
    const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
    const name = `llm-key-request-${request.id}`;
    const current = fake.storage.get(namespace, name);
    // Hand-edited into something no reader may guess at: a cycle that is not a number.
    fake.storage.replace(namespace, name, {
      ...current,
      data: { ...current.data, cycle: Buffer.from('two').toString('base64') },
    });
    const version = fake.storage.get(namespace, name).metadata.resourceVersion ?? '';
    const error = await storeCall(() => store.update(request.id, version, { reason: 'x' })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'internal', retry: false });
    expect((error as Error).message).toBe(
      `Secret ${name} cannot be read (invalid cycle "two"); fix or delete it`,
    );
    // An API server that fails is still an outage: 503 over HTTP, retried by the worker.
    fake.injectFault({ status: 503 });
    await expect(storeCall(() => store.get(request.id))).rejects.toMatchObject({
      code: 'store-unavailable',
      retry: true,
    });
  });

  it('answers get and update for ids that cannot name a Secret without calling the API', async () => {
    const { store, fake } = await start();
    fake.requests.length = 0;
    expect(await store.get('../../etc')).toBeNull();
    expect(await store.get('UPPER')).toBeNull();
    expect(await store.update('a/b', '1', { reason: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('Kubernetes store: work after a hand edit', () => {
  it('treats a request relabelled to approved as work, even when it was handled before', async () => {
    const { store, fake, namespace } = await start();
    const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
    const reviewed = await store.update(request.id, request.version, {
      state: 'in-review',
      handledState: 'in-review',
    });
    expect(reviewed.ok).toBe(true);
    expect(
      await store.claimDue({
        policy: { remindBeforeMs: 0 },
        owner: 'w',
        now: Date.now(),
        leaseMs: 60_000,
        limit: 5,
      }),
    ).toHaveLength(0);
    const name = `llm-key-request-${request.id}`;
    const current = fake.storage.get(namespace, name);
    fake.storage.replace(namespace, name, {
      ...current,
      metadata: { ...current.metadata, labels: { ...current.metadata.labels, 'request-state': 'approved' } },
    });
    // The watch brings the edit; the next pass of the worker claims it.
    const [claimed] = await waitUntil(
      async () => {
        const found = await claim(store, 5);
        return found.length > 0 ? found : null;
      },
      { what: 'the relabelled request to be claimed' },
    );
    expect(claimed).toMatchObject({
      id: request.id,
      state: 'approved',
      handledState: 'in-review',
    } satisfies Partial<KeyRequest>);
    const secret = fake.storage.get(namespace, name);
    expect(secret.metadata.annotations?.state).toBe('approved');
    expect(Buffer.from(secret.data?.state ?? '', 'base64').toString()).toBe('approved');
  });
});

describe('loadKubeConfig', () => {
  it('follows KUBECONFIG outside a cluster', async () => {
    const { writeTempKubeconfig } = await import('./support/kubeconfig.js');
    const { loadKubeConfig } = await import('../src/store/kubernetes/kube-config.js');
    const file = await writeTempKubeconfig({ server: 'http://127.0.0.1:1', namespace: 'from-file' });
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file.path;
    try {
      const config = loadKubeConfig({ KUBECONFIG: file.path });
      expect(config.getCurrentCluster()?.server).toBe('http://127.0.0.1:1');
      expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe('from-file');
    } finally {
      if (previous === undefined) {
        delete process.env.KUBECONFIG;
      } else {
        process.env.KUBECONFIG = previous;
      }
      await file.remove();
    }
  });
});
