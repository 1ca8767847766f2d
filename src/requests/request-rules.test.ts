import { describe, expect, it } from 'vitest';
import { historyEntry } from './history.js';
import { applyPatch, changesOf, newRequest, PATCH_FIELDS, VISIBLE_FIELDS } from './request-rules.js';
import type { KeyRequest } from './request-types.js';

const CREATED = '2025-01-01T00:00:00.000Z';
const LATER = '2025-01-01T00:05:00.000Z';

const request: KeyRequest = {
  ...newRequest({ id: 'r-1', email: 'a@example.com', model: 'm1' }, CREATED),
  version: '3',
};

describe('newRequest', () => {
  it('is pending, first cycle, undecided, keyless, unheld, with its creation as history', () => {
    expect(
      newRequest(
        { id: 'r-1', email: 'a@example.com', model: 'm1', notifyEmail: 'A+x@Example.com', language: 'es' },
        CREATED,
      ),
    ).toEqual({
      id: 'r-1',
      email: 'a@example.com',
      notifyEmail: 'A+x@Example.com',
      language: 'es',
      model: 'm1',
      state: 'pending',
      reason: null,
      cycle: 1,
      history: [
        { at: CREATED, actor: 'requester', action: 'created', from: null, to: 'pending', reason: null },
      ],
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
      createdAt: CREATED,
      updatedAt: CREATED,
      work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
    });
  });

  it('names who created it when that is not the requester', () => {
    const made = newRequest({ id: 'r', email: 'a@example.com', model: 'm1', actor: 'mcp:bob' }, CREATED);
    expect(made.history[0]?.actor).toBe('mcp:bob');
    expect(made).toMatchObject({ notifyEmail: null, language: null });
  });
});

describe('applyPatch', () => {
  it.each([
    ['state', { state: 'approved' }],
    ['reason', { reason: 'whitelisted' }],
    ['cycle', { cycle: 2 }],
    ['expiresAt', { expiresAt: '2025-03-01T00:00:00.000Z' }],
    ['keyHint', { keyHint: 'abcd' }],
    ['notificationFailure', { notificationFailure: { kind: 'approval', error: '550', at: LATER } }],
    ['reason cleared', { reason: null }],
  ] as const)('moves updatedAt on a visible change (%s)', (_name, patch) => {
    const next = applyPatch(request, patch, LATER);
    expect(next).toMatchObject(patch);
    expect(next.updatedAt).toBe(LATER);
    expect(next.createdAt).toBe(CREATED);
  });

  it.each([
    ['pendingKey', { pendingKey: 'sk-reserved' }],
    ['apiKey dropped after its mail', { apiKey: null }],
    ['keyHash', { keyHash: 'f'.repeat(64) }],
    ['handledState', { handledState: 'pending' }],
    ['remindedCycle', { remindedCycle: 1 }],
    ['link mail', { linkMail: { hour: 1 }, lastLinkMailHour: 0 }],
    ['lease', { work: { owner: 'w1', leaseUntil: 99 } }],
    ['retry bookkeeping', { work: { attempts: 2, nextAttemptAt: 5, lastError: 'timeout' } }],
    ['a history entry alone', { append: [historyEntry('mail-delivered', 'worker')] }],
    ['nothing', {}],
  ] as const)('keeps updatedAt on worker bookkeeping (%s)', (_name, patch) => {
    const next = applyPatch(request, patch, LATER);
    expect(next.updatedAt).toBe(CREATED);
  });

  it('changes only the fields the patch sets: undefined leaves a field, null clears it', () => {
    const held = applyPatch(
      request,
      { pendingKey: 'sk-1', work: { owner: 'w1', leaseUntil: 10, attempts: 1 } },
      LATER,
    );
    const next = applyPatch(
      { ...held, version: '4' },
      { pendingKey: null, reason: undefined, work: { owner: null, leaseUntil: undefined } },
      LATER,
    );
    expect(next).toEqual({
      ...held,
      pendingKey: null,
      work: { ...held.work, owner: null },
    });
    expect(next).not.toHaveProperty('version');
  });

  it('clears handledState on a state change, so the new state is owed its duties', () => {
    const settled = applyPatch(request, { state: 'approved', handledState: 'approved' }, LATER);
    expect(applyPatch(settled, { state: 'pending' }, LATER).handledState).toBeNull();
    // ... a renewal that comes back to approved owes the approved duties again
    const renewed = applyPatch(
      applyPatch(settled, { state: 'pending' }, LATER),
      { state: 'approved' },
      LATER,
    );
    expect(renewed.handledState).toBeNull();
  });

  it('keeps handledState when the state does not change or the patch sets it', () => {
    const settled = applyPatch(request, { state: 'denied', handledState: 'denied' }, LATER);
    expect(applyPatch(settled, { state: 'denied', reason: 'again' }, LATER).handledState).toBe('denied');
    expect(applyPatch(settled, { state: 'approved', handledState: 'denied' }, LATER).handledState).toBe(
      'denied',
    );
  });

  it('appends history entries, stamped with the write time unless they carry one', () => {
    const first = applyPatch(
      request,
      {
        state: 'approved',
        append: [
          {
            ...historyEntry('external-change', 'external', { from: 'pending', to: 'approved' }),
            at: CREATED,
          },
          historyEntry('decided', 'plugin:whitelist', { from: 'pending', to: 'approved', reason: 'ok' }),
        ],
      },
      LATER,
    );
    expect(first.history.map((entry) => [entry.action, entry.at])).toEqual([
      ['created', CREATED],
      ['external-change', CREATED],
      ['decided', LATER],
    ]);
    expect(first.history[2]).toEqual({
      at: LATER,
      actor: 'plugin:whitelist',
      action: 'decided',
      from: 'pending',
      to: 'approved',
      reason: 'ok',
    });
  });

  it('stores expiry times in one form, so stores may compare them as text', () => {
    expect(applyPatch(request, { expiresAt: '2025-03-01T01:00:00+01:00' }, LATER).expiresAt).toBe(
      '2025-03-01T00:00:00.000Z',
    );
    expect(() => applyPatch(request, { expiresAt: 'soon' }, LATER)).toThrow(/not a timestamp/);
  });

  it('leaves the request it was given untouched', () => {
    const before = structuredClone(request);
    applyPatch(
      request,
      { state: 'denied', work: { attempts: 3 }, append: [historyEntry('denied', 'worker')] },
      LATER,
    );
    expect(request).toEqual(before);
  });
});

describe('changesOf', () => {
  it('lists exactly the fields a patch writes, updatedAt included when a visible field is among them', () => {
    expect(
      changesOf(request, { state: 'approved', handledState: 'pending', work: { attempts: 0 } }, LATER),
    ).toEqual({
      request: { state: 'approved', handledState: 'pending', updatedAt: LATER },
      work: { attempts: 0 },
      history: [],
    });
    expect(changesOf(request, { pendingKey: 'sk-1', work: { lastError: null } }, LATER)).toEqual({
      request: { pendingKey: 'sk-1' },
      work: { lastError: null },
      history: [],
    });
  });

  it('counts state, reason, cycle, expiry, the masked key and a failed notification as visible', () => {
    expect([...VISIBLE_FIELDS].sort()).toEqual([
      'cycle',
      'expiresAt',
      'keyHint',
      'notificationFailure',
      'reason',
      'state',
    ]);
    expect(PATCH_FIELDS).not.toContain('history');
  });
});
