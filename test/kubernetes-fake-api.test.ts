import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKubernetes, startFakeKubernetes } from './support/fake-kubernetes.js';
import { testKubeConfig } from './support/kubeconfig.js';

let fake: FakeKubernetes;
const ns = 'team-a';
const base = () => `${fake.url}/api/v1/namespaces/${ns}/secrets`;

/** The parts of API answers (objects, lists, Status) these tests look at. */
interface ApiBody {
  kind?: string;
  reason?: string;
  code?: number;
  message?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    continue?: string;
  };
  data?: Record<string, string>;
  items: ApiBody[];
}

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const response = await fetch(path.startsWith('http') ? path : `${base()}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as ApiBody };
}

const secret = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, labels },
  type: 'Opaque',
  stringData: { token: 'hunter2' },
});

beforeEach(async () => {
  fake = await startFakeKubernetes();
});
afterEach(async () => {
  await fake.close();
});

describe('fake Kubernetes API: create, get, delete', () => {
  it('creates with server fields and base64 data, and refuses a second create with 409 AlreadyExists', async () => {
    const created = await call('POST', '', secret('s1'));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({
      name: 's1',
      namespace: ns,
      resourceVersion: expect.any(String),
    });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.data).toEqual({ token: Buffer.from('hunter2').toString('base64') });
    expect(created.body).not.toHaveProperty('stringData');

    const again = await call('POST', '', secret('s1'));
    expect(again).toEqual({
      status: 409,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'secrets "s1" already exists',
        reason: 'AlreadyExists',
        details: { name: 's1', kind: 'secrets' },
        code: 409,
      },
    });
  });

  it('answers 404 NotFound Status for a missing secret, on get, replace and delete', async () => {
    const expected = {
      status: 404,
      body: expect.objectContaining({
        kind: 'Status',
        reason: 'NotFound',
        code: 404,
        message: 'secrets "nope" not found',
      }),
    };
    expect(await call('GET', '/nope')).toEqual(expected);
    expect(await call('PUT', '/nope', secret('nope'))).toEqual(expected);
    expect(await call('DELETE', '/nope')).toEqual(expected);
  });

  it('deletes, after which the name is free again', async () => {
    await call('POST', '', secret('s1'));
    expect((await call('DELETE', '/s1')).status).toBe(200);
    expect((await call('GET', '/s1')).status).toBe(404);
    expect((await call('POST', '', secret('s1'))).status).toBe(201);
  });

  it('validates names and labels with 422 Invalid', async () => {
    const badLabel = await call('POST', '', secret('s1', { 'request-state': 'not a value!' }));
    expect(badLabel.status).toBe(422);
    expect(badLabel.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect((await call('POST', '', secret('Upper_Case'))).status).toBe(422);
  });
});

describe('fake Kubernetes API: optimistic concurrency', () => {
  it('replaces only with the current resourceVersion and answers 409 Conflict otherwise', async () => {
    const created = (await call('POST', '', secret('s1'))).body;
    const first = await call('PUT', '/s1', {
      ...created,
      metadata: { ...created.metadata, labels: { a: '1' } },
    });
    expect(first.status).toBe(200);
    expect(first.body.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);

    const stale = await call('PUT', '/s1', {
      ...created,
      metadata: { ...created.metadata, labels: { a: '2' } },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message: expect.stringContaining('the object has been modified'),
    });
    expect((await call('GET', '/s1')).body.metadata.labels).toEqual({ a: '1' });
  });

  it('keeps the resourceVersion when an update changes nothing', async () => {
    const created = (await call('POST', '', secret('s1'))).body;
    const same = await call('PUT', '/s1', created);
    expect(same.status).toBe(200);
    expect(same.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('lets exactly one of two writers with the same resourceVersion win', async () => {
    const created = (await call('POST', '', secret('s1'))).body;
    const results = await Promise.all(
      ['x', 'y'].map((v) =>
        call('PUT', '/s1', { ...created, metadata: { ...created.metadata, labels: { v } } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});

describe('fake Kubernetes API: patch', () => {
  it('applies merge, strategic-merge and json patches', async () => {
    await call('POST', '', secret('s1', { keep: 'yes', drop: 'me' }));
    const merged = await call(
      'PATCH',
      '/s1',
      { metadata: { labels: { state: 'approved', drop: null } } },
      'application/merge-patch+json',
    );
    expect(merged.body.metadata.labels).toEqual({ keep: 'yes', state: 'approved' });

    const strategic = await call(
      'PATCH',
      '/s1',
      { metadata: { annotations: { note: 'hi' }, $setElementOrder: undefined } },
      'application/strategic-merge-patch+json',
    );
    expect(strategic.body.metadata.annotations).toEqual({ note: 'hi' });

    const json = await call(
      'PATCH',
      '/s1',
      [
        { op: 'test', path: '/metadata/labels/keep', value: 'yes' },
        { op: 'replace', path: '/metadata/labels/keep', value: 'no' },
        { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' },
      ],
      'application/json-patch+json',
    );
    expect(json.body.metadata.labels).toEqual({
      keep: 'no',
      state: 'approved',
      'app.kubernetes.io/name': 'x',
    });
  });

  it('honours a resourceVersion inside a patch and rejects unknown patch types', async () => {
    const created = (await call('POST', '', secret('s1'))).body;
    await call('PATCH', '/s1', { metadata: { labels: { a: '1' } } }, 'application/merge-patch+json');
    const stale = await call(
      'PATCH',
      '/s1',
      { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { a: '2' } } },
      'application/merge-patch+json',
    );
    expect(stale.status).toBe(409);
    expect((await call('PATCH', '/s1', { a: 1 }, 'application/apply-patch+yaml')).status).toBe(415);
  });
});

describe('fake Kubernetes API: list', () => {
  beforeEach(async () => {
    for (let i = 0; i < 7; i++) {
      await call('POST', '', secret(`s${i}`, { app: 'x', parity: i % 2 === 0 ? 'even' : 'odd' }));
    }
    await call('POST', '', secret('other'));
    await fetch(`${fake.url}/api/v1/namespaces/elsewhere/secrets`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(secret('s-far', { app: 'x' })),
    });
  });

  it('filters by label selector within the namespace', async () => {
    const names = async (selector: string) =>
      (await call('GET', `?labelSelector=${encodeURIComponent(selector)}`)).body.items.map(
        (s) => s.metadata.name,
      );
    expect(await names('app=x,parity=even')).toEqual(['s0', 's2', 's4', 's6']);
    expect(await names('parity!=even')).toEqual(['other', 's1', 's3', 's5']);
    expect(await names('!app')).toEqual(['other']);
    expect(await names('parity in (odd),app')).toEqual(['s1', 's3', 's5']);
    const bad = await call('GET', `?labelSelector=${encodeURIComponent('a in ()')}`);
    expect(bad).toMatchObject({ status: 400, body: { reason: 'BadRequest' } });
  });

  it('pages with limit and continue, returning every item exactly once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = `?labelSelector=app%3Dx&limit=3${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const page = await call('GET', query);
      expect(page.body.kind).toBe('SecretList');
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((s) => s.metadata.name));
      token = page.body.metadata.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect((await call('GET', '?continue=garbage')).status).toBe(400);
  });

  it('lists across namespaces and supports field selectors', async () => {
    const all = await call('GET', `${fake.url}/api/v1/secrets?labelSelector=app%3Dx`);
    expect(all.body.items).toHaveLength(8);
    const byName = await call('GET', '?fieldSelector=metadata.name%3Ds3');
    expect(byName.body.items.map((s) => s.metadata.name)).toEqual(['s3']);
  });
});

describe('fake Kubernetes API: access and faults', () => {
  it('demands the bearer token when configured', async () => {
    const guarded = await startFakeKubernetes({ token: 't0ken' });
    try {
      const anonymous = await fetch(`${guarded.url}/api/v1/namespaces/a/secrets`);
      expect(anonymous.status).toBe(401);
      const core = testKubeConfig({ server: guarded.url, token: 't0ken' }).makeApiClient(CoreV1Api);
      await expect(core.listNamespacedSecret({ namespace: 'a' })).resolves.toMatchObject({ items: [] });
    } finally {
      await guarded.close();
    }
  });

  it('fails matching requests on demand, a given number of times', async () => {
    fake.injectFault({ status: 403, method: 'GET', times: 1 });
    const denied = await call('GET', '');
    expect(denied).toMatchObject({
      status: 403,
      body: { reason: 'Forbidden', message: expect.stringContaining('forbidden') },
    });
    expect((await call('GET', '')).status).toBe(200);
  });

  it('speaks to client-node: errors arrive as ApiException with the status code', async () => {
    const core = testKubeConfig({ server: fake.url }).makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: ns, body: secret('s1') });
    const error = await core
      .createNamespacedSecret({ namespace: ns, body: secret('s1') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(409);
    const read = await core.readNamespacedSecret({ name: 's1', namespace: ns });
    expect(Buffer.from(read.data?.token ?? '', 'base64').toString()).toBe('hunter2');
  });
});

/** Reads newline-delimited watch events from `url` until `until` says stop (or 5 s pass);
 * `meanwhile` runs once the response headers are in, before the first event is read. */
async function watchEvents(
  url: string,
  until: (events: { type: string; object: ApiBody }[]) => boolean,
  meanwhile: () => Promise<void> = async () => undefined,
) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body?.getReader();
  if (!reader) {
    throw new Error('no body');
  }
  const events: { type: string; object: ApiBody }[] = [];
  let buffer = '';
  const deadline = Date.now() + 5_000;
  let acted = false;
  while (!until(events) && Date.now() < deadline) {
    if (!acted) {
      acted = true;
      await meanwhile();
    }
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    buffer += Buffer.from(value).toString('utf8');
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      events.push(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  }
  controller.abort();
  return events;
}

describe('fake Kubernetes API: watch', () => {
  it('streams the current objects, then changes, with headers sent at once', async () => {
    await call('POST', '', secret('s1', { app: 'x' }));
    // watchEvents makes the changes once the headers are in, before any event was read.
    const events = await watchEvents(
      `${base()}?watch=true&labelSelector=app%3Dx`,
      (seen) => seen.length >= 3,
      async () => {
        await call(
          'PATCH',
          '/s1',
          { metadata: { labels: { app: 'x', v: '2' } } },
          'application/merge-patch+json',
        );
        await call('POST', '', secret('unrelated'));
        await call('DELETE', '/s1');
      },
    );
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['ADDED', 's1'],
      ['MODIFIED', 's1'],
      ['DELETED', 's1'],
    ]);
  });

  it('tells a watch with a selector when an object starts or stops matching', async () => {
    await call('POST', '', secret('s1', { app: 'x' }));
    const { body: list } = await call('GET', '?labelSelector=app%3Dx');
    const events = await watchEvents(
      `${base()}?watch=true&labelSelector=app%3Dx&resourceVersion=${list.metadata.resourceVersion}`,
      (seen) => seen.length >= 2,
      async () => {
        await call('PATCH', '/s1', { metadata: { labels: { app: 'y' } } }, 'application/merge-patch+json');
        await call('PATCH', '/s1', { metadata: { labels: { app: 'x' } } }, 'application/merge-patch+json');
      },
    );
    expect(events.map((e) => [e.type, e.object.metadata.labels?.app])).toEqual([
      ['DELETED', 'y'],
      ['ADDED', 'x'],
    ]);
  });

  it('answers 410 Gone to a watch from a compacted version, and replays newer ones', async () => {
    await call('POST', '', secret('s1'));
    const { body: list } = await call('GET', '');
    const before = list.metadata.resourceVersion;
    await call('POST', '', secret('s2'));
    const replayed = await watchEvents(
      `${base()}?watch=true&resourceVersion=${before}`,
      (seen) => seen.length >= 1,
    );
    expect(replayed.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 's2']]);
    fake.storage.compact();
    const gone = await watchEvents(
      `${base()}?watch=true&resourceVersion=${before}`,
      (seen) => seen.length >= 1,
    );
    expect(gone.map((e) => [e.type, e.object.code, e.object.reason])).toEqual([['ERROR', 410, 'Expired']]);
  });

  it('sends bookmarks with the current version to a watch that allows them, and ends watches on demand', async () => {
    const { body: list } = await call('GET', '');
    const events = await watchEvents(
      `${base()}?watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`,
      (seen) => seen.some((e) => e.type === 'BOOKMARK'),
      async () => {
        // A change elsewhere moves the version a bookmark carries.
        fake.storage.create('elsewhere', secret('other'));
      },
    );
    const bookmark = events.find((e) => e.type === 'BOOKMARK');
    expect(Number(bookmark?.object.metadata.resourceVersion)).toBe(fake.storage.currentRevision());
    let ended = 0;
    const events2 = await watchEvents(
      `${base()}?watch=true`,
      () => false,
      async () => {
        ended = fake.endWatches();
      },
    );
    // The stream ended with no events (had it not, the read would block until the test times out).
    expect(events2).toEqual([]);
    expect(ended).toBeGreaterThanOrEqual(1);
  });
});
