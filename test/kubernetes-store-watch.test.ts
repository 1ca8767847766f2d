import { afterEach, describe, expect, it } from 'vitest';
import type { KeyRequest } from '../src/requests/request-types.js';
import type { RequestStore } from '../src/store/request-store.js';
import { legacyRequestSecret } from './support/fake-kubernetes-legacy.js';
import { type KubernetesStoreHarness, startKubernetesStore } from './support/fake-kubernetes-store.js';
import { mustUpdate } from './support/must-update.js';
import { waitUntil } from './support/wait.js';

/** The store's memory of the namespace (store-cache.ts) against the API server fake: what
 * other clients change reaches it through the watch, a lost watch is resumed or re-listed,
 * and memory that lags never makes a write win that the API server would refuse. */

let h: KubernetesStoreHarness;
afterEach(async () => {
  await h?.cleanup();
});

const secretPath = (name: string) => `${h.fake.url}/api/v1/namespaces/${h.namespace}/secrets/${name}`;

/** What `kubectl label secret NAME request-state=STATE --overwrite` sends. */
async function kubectlLabel(name: string, state: string): Promise<void> {
  const response = await fetch(secretPath(name), {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ metadata: { labels: { 'request-state': state } } }),
  });
  expect(response.status).toBe(200);
}

async function kubectlDelete(name: string): Promise<void> {
  const response = await fetch(secretPath(name), { method: 'DELETE' });
  expect(response.status).toBe(200);
}

const claim = (store: RequestStore) =>
  store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'w', now: Date.now(), leaseMs: 60_000, limit: 10 });

const ids = async (store: RequestStore, state?: KeyRequest['state']) =>
  (await store.list({ limit: 100, ...(state === undefined ? {} : { state }) })).items.map((r) => r.id).sort();

/** List calls (not watches) the store made. */
const lists = () =>
  h.fake.requests.filter(
    (r) => r.method === 'GET' && r.path.endsWith('/secrets') && r.query.watch === undefined,
  ).length;

const watches = () => h.fake.requests.filter((r) => r.query.watch === 'true');

const logged = (message: string) => h.logger.entries.filter((entry) => entry.message === message);

async function parked(store: RequestStore, email: string): Promise<KeyRequest> {
  const { request } = await store.create({ email, model: 'm1' });
  return mustUpdate(store, request, { state: 'in-review', handledState: 'in-review' });
}

describe('Kubernetes store memory: changes made by other clients', () => {
  it('sees a kubectl relabel in listings, stats and claims, and records it as an external change', async () => {
    h = await startKubernetesStore();
    const request = await parked(h.store, 'a@example.com');
    expect(await claim(h.store)).toEqual([]);

    await kubectlLabel(`llm-key-request-${request.id}`, 'approved');
    await waitUntil(async () => (await ids(h.store, 'approved')).includes(request.id), {
      what: 'the relabelled request in the approved listing',
    });
    expect(await ids(h.store, 'in-review')).toEqual([]);
    expect((await h.store.stats()).byState).toMatchObject({ approved: 1, 'in-review': 0 });
    expect((await h.store.stats()).queueDepth).toBe(1);

    const [claimed] = await claim(h.store);
    expect(claimed).toMatchObject({ id: request.id, state: 'approved', handledState: 'in-review' });
    expect(claimed?.history.at(-1)).toMatchObject({
      action: 'external-change',
      actor: 'external',
      from: 'in-review',
      to: 'approved',
    });
  });

  it('finds requests another client created, and forgets those it deleted', async () => {
    h = await startKubernetesStore();
    await h.store.create({ email: 'first@example.com', model: 'm1' });
    const id = '11111111-1111-4111-8111-111111111111';
    h.fake.storage.create(
      h.namespace,
      legacyRequestSecret({ id, state: 'pending', email: 'Old@Example.com', model: 'm1' }),
    );

    const found = await waitUntil(() => h.store.findByEmailAndModel('old@example.com', 'm1'), {
      what: 'the request created by another client',
    });
    expect(found.id).toBe(id);
    expect(await h.store.create({ email: 'old@example.com', model: 'm1' })).toMatchObject({
      created: false,
      request: { id },
    });

    await kubectlDelete(`llm-key-request-${id}`);
    await waitUntil(async () => !(await ids(h.store)).includes(id), { what: 'the deleted request gone' });
    expect(await h.store.findByEmailAndModel('old@example.com', 'm1')).toBeNull();
    expect((await h.store.stats()).byState.pending).toBe(1);
  });

  it('reads its own writes at once, and another replica’s once the watch brings them', async () => {
    h = await startKubernetesStore();
    const other = h.replica();
    const { request } = await h.store.create({ email: 'a@example.com', model: 'm1' });
    expect(await ids(h.store, 'pending')).toEqual([request.id]);
    await mustUpdate(h.store, request, { state: 'denied', reason: 'no' });
    expect(await ids(h.store, 'denied')).toEqual([request.id]);
    expect(await ids(h.store, 'pending')).toEqual([]);

    // The other replica listed before this one wrote again: it learns of it by watching.
    expect(await ids(other, 'denied')).toEqual([request.id]);
    const { request: second } = await h.store.create({ email: 'b@example.com', model: 'm1' });
    await waitUntil(async () => (await ids(other, 'pending')).includes(second.id), {
      what: 'the other replica to see the new request',
    });
  });
});

describe('Kubernetes store memory: a lagging memory never wins a write', () => {
  it('refuses writes made from memory the watch has not updated, keeps the edit, and catches up', async () => {
    h = await startKubernetesStore();
    const { request } = await h.store.create({ email: 'a@example.com', model: 'm1' });
    const other = await parked(h.store, 'b@example.com');
    const name = `llm-key-request-${request.id}`;
    const puts = () => h.fake.requests.filter((r) => r.method === 'PUT').length;
    // Cut the watch: memory still holds the pending request as it was.
    h.fake.injectFault({ query: { watch: 'true' }, status: 500 });
    expect(h.fake.endWatches()).toBe(1);
    const current = h.fake.storage.get(h.namespace, name);
    h.fake.storage.replace(h.namespace, name, {
      ...current,
      metadata: {
        ...current.metadata,
        labels: {
          ...current.metadata.labels,
          'request-state': 'denied',
          'llm-key-requestor/handled-state': 'denied',
        },
      },
    });
    const putsBefore = puts();

    // An update from the version memory holds reaches the API server, which refuses it.
    expect(await h.store.update(request.id, request.version, { reason: 'late' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    // So does a claim: memory says the request is due, the API server says it changed.
    expect(await claim(h.store)).toEqual([]);
    expect(puts()).toBe(putsBefore + 2);
    expect(h.fake.storage.get(h.namespace, name).metadata.labels?.['request-state']).toBe('denied');
    expect(h.fake.storage.get(h.namespace, name).metadata.annotations?.reason).toBeUndefined();
    // The lost claim read the request again, so the next pass does not retry it, watch or not.
    expect(await ids(h.store, 'denied')).toEqual([request.id]);
    expect(await claim(h.store)).toEqual([]);
    expect(puts()).toBe(putsBefore + 2);

    // A change memory has not heard of arrives once the watch is back (after its backoff),
    // resumed from where it stopped.
    await kubectlLabel(`llm-key-request-${other.id}`, 'revoked');
    await waitUntil(() => logged('Watching key request Secrets failed').length > 0, {
      what: 'the failure logged',
    });
    expect(await ids(h.store, 'revoked')).toEqual([]);
    h.fake.clearFaults();
    await waitUntil(async () => (await ids(h.store, 'revoked')).includes(other.id), {
      what: 'memory to catch up after the watch is back',
    });
    expect(logged('Watching key request Secrets again')).toHaveLength(1);
    expect(lists()).toBe(1);
  });
});

describe('Kubernetes store memory: keeping the watch', () => {
  it('resumes a watch the server ended from the last version seen, without listing again', async () => {
    h = await startKubernetesStore();
    const { request } = await h.store.create({ email: 'a@example.com', model: 'm1' });
    await waitUntil(() => watches().length === 1, { what: 'the first watch' });
    const parkedAt = (await parked(h.store, 'b@example.com')).version;

    expect(h.fake.endWatches()).toBe(1);
    await kubectlLabel(`llm-key-request-${request.id}`, 'denied');
    await waitUntil(async () => (await ids(h.store, 'denied')).includes(request.id), {
      what: 'the change made while the watch was down',
    });
    expect(lists()).toBe(1);
    expect(Number(watches()[1]?.query.resourceVersion)).toBeGreaterThanOrEqual(Number(parkedAt));
  });

  it('lists again after 410 Gone, with what changed meanwhile', async () => {
    h = await startKubernetesStore();
    const kept = (await h.store.create({ email: 'kept@example.com', model: 'm1' })).request;
    const gone = (await h.store.create({ email: 'gone@example.com', model: 'm1' })).request;
    await waitUntil(() => watches().length === 1, { what: 'the first watch' });

    // While the store is disconnected, requests change and the history it would resume from
    // is compacted away.
    h.fake.injectFault({ query: { watch: 'true' }, status: 500 });
    h.fake.endWatches();
    h.fake.storage.remove(h.namespace, `llm-key-request-${gone.id}`);
    const added = '22222222-2222-4222-8222-222222222222';
    h.fake.storage.create(
      h.namespace,
      legacyRequestSecret({ id: added, state: 'pending', email: 'c@example.com', model: 'm1' }),
    );
    h.fake.storage.compact();
    const compactedAt = h.fake.storage.currentRevision();
    await waitUntil(() => watches().length >= 2, { what: 'a refused watch' });
    h.fake.clearFaults();

    await waitUntil(async () => (await ids(h.store)).includes(added), { what: 'the re-list' });
    expect(await ids(h.store)).toEqual([kept.id, added].sort());
    expect(lists()).toBe(2);
    expect(logged('Listing key request Secrets again')).toHaveLength(1);
    expect(String(logged('Listing key request Secrets again')[0]?.fields.reason)).toContain('410');
    // And it watches on from the new list.
    await waitUntil(() => Number(watches().at(-1)?.query.resourceVersion) >= compactedAt, {
      what: 'a watch from the new list',
    });
    expect((await h.store.stats()).byState.pending).toBe(2);
  });
});

describe('Kubernetes store memory: readiness', () => {
  it('is not ready, and reads fail, until the first list is in', async () => {
    h = await startKubernetesStore();
    h.fake.injectFault({ query: { limit: '250' }, status: 500, times: 1 });
    await expect(h.store.ping()).rejects.toMatchObject({ code: 'store-unavailable' });
    await expect(h.store.list({ limit: 10 })).rejects.toMatchObject({ code: 'store-unavailable' });
    await waitUntil(() => h.store.ping().then(() => true), { what: 'ready after the list is in' });
    expect((await h.store.list({ limit: 10 })).items).toEqual([]);
  });

  it('is not ready while the API server refuses the watch (a Role without watch), and logs why', async () => {
    h = await startKubernetesStore();
    h.fake.injectFault({ query: { watch: 'true' }, status: 403 });
    expect((await h.store.list({ limit: 10 })).items).toEqual([]);
    const refused = await waitUntil(
      () =>
        h.store.ping().then(
          () => null,
          (error: unknown) => error,
        ),
      {
        what: 'ping to fail',
      },
    );
    expect(refused).toMatchObject({ failure: 'forbidden' });
    expect(String((refused as Error).message)).toContain('watch');
    expect(String(logged('Watching key request Secrets failed')[0]?.fields.reason)).toMatch(
      /get\/list\/watch\/create\/update/,
    );
    h.fake.clearFaults();
    await waitUntil(() => h.store.ping().then(() => true), { timeoutMs: 30_000, what: 'ready again' });
  });
});
