import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { legacyRequestSecret } from '../../../test/support/fake-kubernetes-legacy.js';
import type { HistoryEntry, KeyRequest } from '../../requests/request-types.js';
import { decodeSecret, emailHash, encodeSecret, HISTORY_LIMIT, parseTimestamp } from './secret-codec.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A Secret exactly as the old Python service wrote it, as read from the API server. */
function legacySecret(state: string, extra: { apiKey?: string; email?: string } = {}): V1Secret {
  const secret = legacyRequestSecret({
    id: '6f1c2a9e-0d4b-4c1e-9a57-3b2d8f0e1a2b',
    state,
    email: extra.email ?? 'Jane@Example.com',
    model: 'gpt-4o',
    ...(extra.apiKey === undefined ? {} : { apiKey: extra.apiKey }),
    // Python writes no fraction when the microseconds are zero.
    annotations: { updated_at: '2024-05-02T08:30:00' },
  });
  return { ...secret, metadata: { ...secret.metadata, resourceVersion: '42' } };
}

const entry: HistoryEntry = {
  at: '2025-01-02T03:04:06.000Z',
  actor: 'plugin:whitelist',
  action: 'decided',
  from: 'pending',
  to: 'approved',
  reason: 'whitelisted',
};

const request: Omit<KeyRequest, 'version'> = {
  id: 'abc-123',
  email: 'a@example.com',
  notifyEmail: 'A+llm@Example.com',
  language: 'de',
  model: 'openai/gpt-4o',
  state: 'approved',
  reason: 'whitelisted',
  cycle: 2,
  history: [entry],
  expiresAt: '2025-04-02T03:04:06.000Z',
  keyHash: 'f'.repeat(64),
  keyHint: 'live',
  apiKey: 'sk-live',
  pendingKey: 'sk-reserved',
  handledState: 'pending',
  remindedCycle: 1,
  notificationFailure: { kind: 'denial', error: '550 no such user', at: '2025-01-02T03:04:07.000Z' },
  linkMail: { hour: 482_000 },
  lastLinkMailHour: 481_990,
  createdAt: '2025-01-02T03:04:05.678Z',
  updatedAt: '2025-01-02T03:04:06.000Z',
  work: {
    owner: 'pod-1',
    leaseUntil: 1_750_000_000_123,
    attempts: 3,
    nextAttemptAt: 1_750_000_100_000,
    lastError: 'timeout',
  },
};

describe('parseTimestamp', () => {
  it('reads naive Python timestamps as UTC', () => {
    expect(parseTimestamp('2024-05-01T12:00:00.123456')).toBe('2024-05-01T12:00:00.123Z');
    expect(parseTimestamp('2024-05-01T12:00:00')).toBe('2024-05-01T12:00:00.000Z');
    expect(parseTimestamp('2024-05-01 12:00:00.5')).toBe('2024-05-01T12:00:00.500Z');
  });

  it('honours offsets and Z', () => {
    expect(parseTimestamp('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(parseTimestamp('2024-05-01T12:00:00.123456-0130')).toBe('2024-05-01T13:30:00.123Z');
    expect(parseTimestamp('2024-05-01T12:00:00.999Z')).toBe('2024-05-01T12:00:00.999Z');
  });

  it('rejects what is not a timestamp', () => {
    expect(parseTimestamp('yesterday')).toBeNull();
    expect(parseTimestamp('')).toBeNull();
    expect(parseTimestamp(undefined)).toBeNull();
    expect(parseTimestamp('2024-13-45T99:00:00')).toBeNull();
  });
});

describe('encodeSecret / decodeSecret', () => {
  it('writes the documented layout', () => {
    const secret = encodeSecret(request);
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata?.name).toBe('llm-key-request-abc-123');
    expect(secret.metadata?.labels).toEqual({
      'app.kubernetes.io/name': 'llm-key-requestor',
      'app.kubernetes.io/component': 'llm-key-request',
      'request-state': 'approved',
      'llm-key-requestor/email-hash': emailHash('a@example.com'),
      'llm-key-requestor/handled-state': 'pending',
      'llm-key-requestor/link-mail-due': 'true',
    });
    expect(secret.metadata?.annotations).toMatchObject({
      'app.kubernetes.io/component': 'llm-key-request',
      email: 'a@example.com',
      state: 'approved',
      model: 'openai/gpt-4o',
      reason: 'whitelisted',
      created_at: '2025-01-02T03:04:05.678Z',
      updated_at: '2025-01-02T03:04:06.000Z',
      'llm-key-requestor/lease-owner': 'pod-1',
      'llm-key-requestor/attempts': '3',
      'llm-key-requestor/language': 'de',
      'llm-key-requestor/reminded-cycle': '1',
      'llm-key-requestor/link-mail': '{"pending":482000,"last":481990}',
      'notification-failed': JSON.stringify(request.notificationFailure),
    });
    const data = Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
    expect(data).toEqual({
      request_id: 'abc-123',
      email: 'a@example.com',
      model: 'openai/gpt-4o',
      state: 'approved',
      api_key: 'sk-live',
      pending_api_key: 'sk-reserved',
      history: JSON.stringify([entry]),
      cycle: '2',
      expires_at: '2025-04-02T03:04:06.000Z',
      key_hash: 'f'.repeat(64),
      key_hint: 'live',
      notify_email: 'A+llm@Example.com',
    });
  });

  it('keeps keys out of labels and annotations', () => {
    const secret = encodeSecret(request);
    const visible = JSON.stringify([secret.metadata?.labels, secret.metadata?.annotations]);
    expect(visible).not.toContain('sk-live');
    expect(visible).not.toContain('sk-reserved');
  });

  it('reads back what it wrote', () => {
    const secret = encodeSecret(request);
    secret.metadata = { ...secret.metadata, resourceVersion: '7' };
    expect(decodeSecret(secret)).toEqual({
      ok: true,
      value: { legacy: false, externalChange: null, request: { ...request, version: '7' } },
    });
  });

  it('drops optional fields that are cleared', () => {
    const cleared = {
      ...request,
      notifyEmail: null,
      language: null,
      reason: null,
      expiresAt: null,
      keyHash: null,
      keyHint: null,
      apiKey: null,
      pendingKey: null,
      handledState: null,
      remindedCycle: 0,
      notificationFailure: null,
      linkMail: null,
      lastLinkMailHour: null,
      work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
    };
    const secret = encodeSecret(cleared, encodeSecret(request));
    expect(Object.keys(secret.data ?? {}).sort()).toEqual([
      'cycle',
      'email',
      'history',
      'model',
      'request_id',
      'state',
    ]);
    expect(secret.metadata?.labels).not.toHaveProperty('llm-key-requestor/handled-state');
    expect(secret.metadata?.labels).not.toHaveProperty('llm-key-requestor/link-mail-due');
    expect(secret.metadata?.annotations).not.toHaveProperty('notification-failed');
    expect(
      Object.keys(secret.metadata?.annotations ?? {}).filter((k) => k.startsWith('llm-key-requestor/')),
    ).toEqual([]);
    expect(secret.metadata?.annotations).not.toHaveProperty('reason');
  });

  it('keeps labels, annotations and data that others added', () => {
    const base = encodeSecret(request);
    base.metadata = {
      ...base.metadata,
      resourceVersion: '9',
      labels: { ...base.metadata?.labels, team: 'ml' },
      annotations: { ...base.metadata?.annotations, 'example.com/note': 'keep me' },
    };
    base.data = { ...base.data, extra: b64('x') };
    const next = encodeSecret({ ...request, state: 'revoked' }, base);
    expect(next.metadata?.labels?.team).toBe('ml');
    expect(next.metadata?.annotations?.['example.com/note']).toBe('keep me');
    expect(next.data?.extra).toBe(b64('x'));
    expect(next.metadata?.resourceVersion).toBe('9');
  });

  it('prefers the request-state label, then the state annotation, then data', () => {
    const secret = legacySecret('pending');
    const labelled = structuredClone(secret);
    labelled.metadata = {
      ...labelled.metadata,
      labels: { ...labelled.metadata?.labels, 'request-state': 'approved' },
    };
    expect(decodeSecret(labelled)).toMatchObject({ ok: true, value: { request: { state: 'approved' } } });

    const annotatedOnly = structuredClone(secret);
    delete annotatedOnly.metadata?.labels?.['request-state'];
    annotatedOnly.metadata = {
      ...annotatedOnly.metadata,
      annotations: { ...annotatedOnly.metadata?.annotations, state: 'denied' },
    };
    expect(decodeSecret(annotatedOnly)).toMatchObject({ ok: true, value: { request: { state: 'denied' } } });

    const dataOnly = structuredClone(annotatedOnly);
    delete dataOnly.metadata?.annotations?.state;
    expect(decodeSecret(dataOnly)).toMatchObject({ ok: true, value: { request: { state: 'pending' } } });
  });

  it('refuses invalid states instead of guessing', () => {
    const typo = legacySecret('aproved');
    expect(decodeSecret(typo)).toMatchObject({
      ok: false,
      error: { code: 'bad-response', message: 'invalid state "aproved"' },
    });
    const badHandled = encodeSecret(request);
    badHandled.metadata = {
      ...badHandled.metadata,
      resourceVersion: '1',
      labels: { ...badHandled.metadata?.labels, 'llm-key-requestor/handled-state': 'done' },
    };
    expect(decodeSecret(badHandled)).toMatchObject({ ok: false });
  });
});

describe('the audit trail and kubectl changes', () => {
  it('keeps the newest entries only', () => {
    const history = Array.from({ length: HISTORY_LIMIT + 5 }, (_, index) => ({
      ...entry,
      reason: `#${index}`,
    }));
    const secret = encodeSecret({ ...request, history });
    secret.metadata = { ...secret.metadata, resourceVersion: '1' };
    const decoded = decodeSecret(secret);
    const kept = decoded.ok ? decoded.value.request.history : [];
    expect(kept).toHaveLength(HISTORY_LIMIT);
    expect(kept[0]?.reason).toBe('#5');
    expect(kept.at(-1)?.reason).toBe(`#${HISTORY_LIMIT + 4}`);
  });

  it('reads a trail it cannot parse as empty, and leaves out entries that are not entries', () => {
    const secret = encodeSecret(request);
    secret.metadata = { ...secret.metadata, resourceVersion: '1' };
    secret.data = { ...secret.data, history: b64('not json') };
    expect(decodeSecret(secret)).toMatchObject({ ok: true, value: { request: { history: [] } } });
    secret.data = { ...secret.data, history: b64(JSON.stringify([entry, { action: 'hacked' }, 42])) };
    expect(decodeSecret(secret)).toMatchObject({ ok: true, value: { request: { history: [entry] } } });
  });

  it('refuses a cycle it cannot read: Message-IDs depend on it', () => {
    const secret = encodeSecret(request);
    secret.metadata = { ...secret.metadata, resourceVersion: '1' };
    secret.data = { ...secret.data, cycle: b64('two') };
    expect(decodeSecret(secret)).toMatchObject({ ok: false, error: { message: 'invalid cycle "two"' } });
  });

  it('exposes a state changed with kubectl label: from the state the service wrote, to the label', () => {
    const secret = encodeSecret({ ...request, state: 'approved', handledState: 'approved' });
    secret.metadata = {
      ...secret.metadata,
      resourceVersion: '3',
      labels: { ...secret.metadata?.labels, 'request-state': 'denied' },
    };
    expect(decodeSecret(secret)).toMatchObject({
      ok: true,
      value: { externalChange: { from: 'approved', to: 'denied' }, request: { state: 'denied' } },
    });
  });
});

describe('Secrets of the old service', () => {
  it('are read with UTC timestamps and a normalised email', () => {
    const decoded = decodeSecret(legacySecret('pending'));
    expect(decoded).toMatchObject({
      ok: true,
      value: {
        legacy: true,
        externalChange: null,
        request: {
          id: '6f1c2a9e-0d4b-4c1e-9a57-3b2d8f0e1a2b',
          email: 'jane@example.com',
          model: 'gpt-4o',
          state: 'pending',
          apiKey: null,
          handledState: null,
          createdAt: '2024-05-01T12:00:00.123Z',
          updatedAt: '2024-05-02T08:30:00.000Z',
          cycle: 1,
          history: [],
          expiresAt: null,
          keyHash: null,
          keyHint: null,
          notifyEmail: null,
          language: null,
          remindedCycle: 0,
          notificationFailure: null,
          linkMail: null,
          lastLinkMailHour: null,
          version: '42',
          work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
        },
      },
    });
  });

  it.each([
    ['pending', undefined, null],
    ['approved', undefined, null],
    ['approved', 'sk-old', 'approved'],
    ['denied', undefined, 'denied'],
    ['in-review', undefined, 'in-review'],
  ] as const)('state %s with key %s counts as handled: %s', (state, apiKey, handled) => {
    const decoded = decodeSecret(legacySecret(state, apiKey === undefined ? {} : { apiKey }));
    expect(decoded).toMatchObject({ ok: true, value: { request: { state, handledState: handled } } });
  });
});
