import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyRequest } from '../src/requests/request-types.js';
import { emailHash } from '../src/store/kubernetes/secret-codec.js';
import type { SecretObject } from './support/fake-kubernetes.js';
import { legacyRequestSecret } from './support/fake-kubernetes-legacy.js';
import { type KubernetesStoreHarness, startKubernetesStore } from './support/fake-kubernetes-store.js';
import { mustUpdate } from './support/must-update.js';

const unb64 = (data: Record<string, string> | undefined) =>
  Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );

let h: KubernetesStoreHarness;
beforeEach(async () => {
  h = await startKubernetesStore();
});
afterEach(async () => {
  await h.cleanup();
});

const stored = (id: string): SecretObject => h.fake.storage.get(h.namespace, `llm-key-request-${id}`);

/** Seeds a Secret exactly as the old Python service wrote it, with a note of its operator's. */
function seedLegacy(id: string, state: string, email: string, model: string, apiKey?: string): void {
  h.fake.storage.create(
    h.namespace,
    legacyRequestSecret({
      id,
      state,
      email,
      model,
      ...(apiKey === undefined ? {} : { apiKey }),
      annotations: { 'example.com/owner-note': 'keep me' },
    }),
  );
}

describe('Kubernetes store: Secret layout', () => {
  it('writes labels, annotations and data exactly as documented', async () => {
    const { request } = await h.store.create({ email: 'Jane@Example.com ', model: 'openai/gpt-4o' });
    expect(request.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const secret = stored(request.id);
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'llm-key-requestor',
      'app.kubernetes.io/component': 'llm-key-request',
      'request-state': 'pending',
      'llm-key-requestor/email-hash': emailHash('jane@example.com'),
    });
    expect(secret.metadata.annotations).toEqual({
      'app.kubernetes.io/component': 'llm-key-request',
      email: 'jane@example.com',
      state: 'pending',
      model: 'openai/gpt-4o',
      created_at: request.createdAt,
      updated_at: request.createdAt,
    });
    expect(unb64(secret.data)).toEqual({
      request_id: request.id,
      email: 'jane@example.com',
      model: 'openai/gpt-4o',
      state: 'pending',
      cycle: '1',
      history: JSON.stringify(request.history),
    });
    expect(request.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('keeps state in label, annotation and data in step, and the key only in data', async () => {
    const { request } = await h.store.create({ email: 'a@example.com', model: 'm1' });
    const approved = await mustUpdate(h.store, request, {
      state: 'approved',
      reason: 'ok',
      pendingKey: 'sk-reserved-1',
    });
    const done = await mustUpdate(h.store, approved, {
      apiKey: 'sk-reserved-1',
      pendingKey: null,
      handledState: 'approved',
      work: { owner: null, leaseUntil: null, attempts: 0, lastError: null },
    });
    const secret = stored(done.id);
    expect(secret.metadata.labels?.['request-state']).toBe('approved');
    expect(secret.metadata.labels?.['llm-key-requestor/handled-state']).toBe('approved');
    expect(secret.metadata.annotations).toMatchObject({ state: 'approved', reason: 'ok' });
    expect(unb64(secret.data)).toMatchObject({ state: 'approved', api_key: 'sk-reserved-1' });
    expect(secret.data).not.toHaveProperty('pending_api_key');
    expect(JSON.stringify(secret.metadata)).not.toContain('sk-reserved-1');
    expect(secret.metadata.resourceVersion).toBe(done.version);
  });

  it('records the worker lease in annotations, readable by operators', async () => {
    const { request } = await h.store.create({ email: 'a@example.com', model: 'm1' });
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const [claimed] = await h.store.claimDue({
      policy: { remindBeforeMs: 0 },
      owner: 'pod-a/123',
      now,
      leaseMs: 60_000,
      limit: 1,
    });
    expect(claimed?.id).toBe(request.id);
    await mustUpdate(h.store, claimed as KeyRequest, {
      work: { attempts: 2, nextAttemptAt: now + 5_000, lastError: 'LiteLLM 503' },
    });
    expect(stored(request.id).metadata.annotations).toMatchObject({
      'llm-key-requestor/lease-owner': 'pod-a/123',
      'llm-key-requestor/lease-until': '2030-01-01T00:01:00.000Z',
      'llm-key-requestor/attempts': '2',
      'llm-key-requestor/next-attempt-at': '2030-01-01T00:00:05.000Z',
      'llm-key-requestor/last-error': 'LiteLLM 503',
    });
  });

  it('derives the same id in every replica, from a key kept in an immutable Secret', async () => {
    const other = h.replica();
    const [a, b] = await Promise.all([
      h.store.create({ email: 'a@example.com', model: 'm1' }),
      other.create({ email: 'a@example.com', model: 'm1' }),
    ]);
    expect(a.request.id).toBe(b.request.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    const key = h.fake.storage.get(h.namespace, 'llm-key-requestor-id-key');
    expect(key.immutable).toBe(true);
    expect(key.metadata.labels?.['app.kubernetes.io/component']).not.toBe('llm-key-request');
  });

  it('gives other installations other ids for the same email and model', async () => {
    const elsewhere = await startKubernetesStore();
    try {
      const here = await h.store.create({ email: 'a@example.com', model: 'm1' });
      const there = await elsewhere.store.create({ email: 'a@example.com', model: 'm1' });
      expect(there.request.id).not.toBe(here.request.id);
    } finally {
      await elsewhere.cleanup();
    }
  });

  it('keeps labels and annotations that operators added', async () => {
    const { request } = await h.store.create({ email: 'a@example.com', model: 'm1' });
    const secret = stored(request.id);
    h.fake.storage.replace(h.namespace, secret.metadata.name, {
      ...secret,
      metadata: {
        ...secret.metadata,
        labels: { ...secret.metadata.labels, team: 'ml' },
        annotations: { ...secret.metadata.annotations, 'example.com/ticket': 'OPS-1' },
      },
    });
    const current = await h.store.get(request.id);
    await mustUpdate(h.store, current as KeyRequest, { state: 'denied', reason: 'no' });
    expect(stored(request.id).metadata.labels?.team).toBe('ml');
    expect(stored(request.id).metadata.annotations?.['example.com/ticket']).toBe('OPS-1');
  });
});

describe('Kubernetes store: lifecycle fields', () => {
  it('keeps them in the documented data keys, annotations and label', async () => {
    const { request } = await h.store.create({
      email: 'a@example.com',
      model: 'm1',
      notifyEmail: 'A+x@Example.com',
      language: 'de',
    });
    const failure = { kind: 'approval', error: '550 no such user', at: '2025-02-01T00:00:00.000Z' } as const;
    const updated = await mustUpdate(h.store, request, {
      cycle: 2,
      expiresAt: '2030-01-01T00:00:00.000Z',
      keyHash: 'c'.repeat(64),
      keyHint: 'wxyz',
      remindedCycle: 1,
      notificationFailure: failure,
      linkMail: { hour: 490_000 },
      lastLinkMailHour: 489_000,
    });
    const secret = stored(request.id);
    expect(unb64(secret.data)).toMatchObject({
      notify_email: 'A+x@Example.com',
      cycle: '2',
      expires_at: '2030-01-01T00:00:00.000Z',
      key_hash: 'c'.repeat(64),
      key_hint: 'wxyz',
      history: JSON.stringify(updated.history),
    });
    expect(secret.metadata.annotations).toMatchObject({
      'llm-key-requestor/language': 'de',
      'llm-key-requestor/reminded-cycle': '1',
      'llm-key-requestor/link-mail': '{"pending":490000,"last":489000}',
      'notification-failed': JSON.stringify(failure),
    });
    expect(secret.metadata.labels?.['llm-key-requestor/link-mail-due']).toBe('true');
  });

  it('keeps the newest 100 history entries', async () => {
    const { request } = await h.store.create({ email: 'a@example.com', model: 'm1' });
    const append = Array.from({ length: 104 }, (_, index) => ({
      actor: 'worker',
      action: 'mail-delivered' as const,
      from: null,
      to: null,
      reason: `#${index}`,
    }));
    const updated = await mustUpdate(h.store, request, { append });
    expect(updated.history).toHaveLength(100);
    expect(updated.history[0]?.reason).toBe('#4');
    expect(updated.history.at(-1)?.reason).toBe('#103');
    expect((await h.store.get(request.id))?.history).toEqual(updated.history);
  });

  it('keeps the requester token key in one immutable Secret that every replica shares', async () => {
    const [here, there] = await Promise.all([
      h.store.sharedSecret('token-key'),
      h.replica().sharedSecret('token-key'),
    ]);
    expect(here.equals(there)).toBe(true);
    const secret = h.fake.storage.get(h.namespace, 'llm-key-requestor-token-key');
    expect(secret.immutable).toBe(true);
    expect(secret.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'llm-key-requestor',
      'app.kubernetes.io/component': 'requester-token-key',
    });
    expect(Buffer.from(secret.data?.key ?? '', 'base64').equals(here)).toBe(true);
    // A request selector never sees it.
    expect((await h.store.list({ limit: 50 })).items).toEqual([]);
  });
});

describe('Kubernetes store: Secrets of the old service', () => {
  const ids = {
    pending: '11111111-1111-4111-8111-111111111111',
    approvedWithKey: '22222222-2222-4222-8222-222222222222',
    approvedNoKey: '33333333-3333-4333-8333-333333333333',
    denied: '44444444-4444-4444-8444-444444444444',
    review: '55555555-5555-4555-8555-555555555555',
  };
  beforeEach(() => {
    seedLegacy(ids.pending, 'pending', 'Old.User@Example.com', 'gpt-4o');
    seedLegacy(ids.approvedWithKey, 'approved', 'b@example.com', 'gpt-4o', 'sk-old-key');
    seedLegacy(ids.approvedNoKey, 'approved', 'c@example.com', 'gpt-4o');
    seedLegacy(ids.denied, 'denied', 'd@example.com', 'gpt-4o');
    seedLegacy(ids.review, 'in-review', 'e@example.com', 'gpt-4o');
  });

  it('reads them with UTC timestamps and a normalised email', async () => {
    const request = await h.store.get(ids.pending);
    expect(request).toMatchObject({
      id: ids.pending,
      email: 'old.user@example.com',
      model: 'gpt-4o',
      state: 'pending',
      handledState: null,
      createdAt: '2024-05-01T12:00:00.123Z',
      updatedAt: '2024-05-01T12:05:00.654Z',
    });
    expect(await h.store.get(ids.approvedWithKey)).toMatchObject({
      apiKey: 'sk-old-key',
      handledState: 'approved',
      // Written before cycles, history and hashes existed:
      cycle: 1,
      history: [],
      expiresAt: null,
      keyHash: null,
      keyHint: null,
      notifyEmail: null,
    });
  });

  it('finds them by email and model, so a repeated request does not make a duplicate', async () => {
    const again = await h.store.create({ email: 'old.user@example.com', model: 'gpt-4o' });
    expect(again).toMatchObject({ created: false, request: { id: ids.pending } });
    expect((await h.store.findByEmailAndModel('d@example.com', 'gpt-4o'))?.id).toBe(ids.denied);
  });

  it('labels them once, marking what the old service already finished as handled', async () => {
    await h.store.findByEmailAndModel('x@example.com', 'm');
    const labels = (id: string) => stored(id).metadata.labels ?? {};
    for (const id of Object.values(ids)) {
      expect(labels(id)['llm-key-requestor/email-hash']).toMatch(/^[0-9a-f]{63}$/);
      expect(stored(id).metadata.annotations?.['example.com/owner-note']).toBe('keep me');
      expect(stored(id).metadata.annotations?.created_at).toBe('2024-05-01T12:00:00.123Z');
    }
    expect(labels(ids.pending)['llm-key-requestor/email-hash']).toBe(emailHash('old.user@example.com'));
    expect(labels(ids.approvedWithKey)['llm-key-requestor/handled-state']).toBe('approved');
    expect(labels(ids.denied)['llm-key-requestor/handled-state']).toBe('denied');
    expect(labels(ids.review)['llm-key-requestor/handled-state']).toBe('in-review');
    expect(labels(ids.pending)).not.toHaveProperty('llm-key-requestor/handled-state');
    expect(labels(ids.approvedNoKey)).not.toHaveProperty('llm-key-requestor/handled-state');
    const writes = h.fake.requests.filter((r) => r.method === 'PUT').length;
    await h.store.findByEmailAndModel('y@example.com', 'm');
    expect(h.fake.requests.filter((r) => r.method === 'PUT').length).toBe(writes);
  });

  it('hands the worker only pending ones and approvals without a key', async () => {
    const claimed = await h.store.claimDue({
      policy: { remindBeforeMs: 0 },
      owner: 'w',
      now: Date.now(),
      leaseMs: 60_000,
      limit: 10,
    });
    expect(claimed.map((r) => r.id).sort()).toEqual([ids.pending, ids.approvedNoKey].sort());
  });

  it('updates them conditionally like any other', async () => {
    const request = (await h.store.get(ids.approvedNoKey)) as KeyRequest;
    const updated = await mustUpdate(h.store, request, { apiKey: 'sk-new', handledState: 'approved' });
    expect(updated).toMatchObject({
      apiKey: 'sk-new',
      handledState: 'approved',
      createdAt: '2024-05-01T12:00:00.123Z',
    });
    expect(await h.store.update(request.id, request.version, { reason: 'late' })).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
  });

  it('skips a Secret with an invalid state, warning once', async () => {
    seedLegacy('66666666-6666-4666-8666-666666666666', 'aproved', 'f@example.com', 'gpt-4o');
    const page = await h.store.list({ limit: 50 });
    expect(page.items).toHaveLength(5);
    await h.store.list({ limit: 50 });
    const stats = await h.store.stats();
    expect(Object.values(stats.byState).reduce((a, b) => a + b, 0)).toBe(5);
    const warnings = h.logger.entries.filter(
      (e) => e.level === 'warn' && e.fields.problem === 'invalid state "aproved"',
    );
    expect(warnings).toHaveLength(1);
    expect(await h.store.get('66666666-6666-4666-8666-666666666666')).toBeNull();
  });
});
