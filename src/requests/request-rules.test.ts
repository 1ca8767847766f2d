import { describe, expect, it } from 'vitest';
import { applyPatch, changesOf, isDue, needsWork, newRequest, VISIBLE_FIELDS } from './request-rules.js';
import type { KeyRequest } from './request-types.js';

const CREATED = '2025-01-01T00:00:00.000Z';
const LATER = '2025-01-01T00:05:00.000Z';

const request: KeyRequest = {
  ...newRequest({ id: 'r-1', email: 'a@example.com', model: 'm1' }, CREATED),
  version: '3',
};

describe('newRequest', () => {
  it('is pending, undecided, keyless, unheld and due at once', () => {
    expect(newRequest({ id: 'r-1', email: 'a@example.com', model: 'm1' }, CREATED)).toEqual({
      id: 'r-1',
      email: 'a@example.com',
      model: 'm1',
      state: 'pending',
      reason: null,
      apiKey: null,
      pendingKey: null,
      handledState: null,
      createdAt: CREATED,
      updatedAt: CREATED,
      work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
    });
    expect(isDue(request, Date.parse(CREATED))).toBe(true);
  });
});

describe('applyPatch', () => {
  it.each([
    ['state', { state: 'approved' }],
    ['reason', { reason: 'whitelisted' }],
    ['apiKey', { apiKey: 'sk-live' }],
    ['reason cleared', { reason: null }],
  ] as const)('moves updatedAt on a visible change (%s)', (_name, patch) => {
    const next = applyPatch(request, patch, LATER);
    expect(next).toMatchObject(patch);
    expect(next.updatedAt).toBe(LATER);
    expect(next.createdAt).toBe(CREATED);
  });

  it.each([
    ['pendingKey', { pendingKey: 'sk-reserved' }],
    ['handledState', { handledState: 'pending' }],
    ['lease', { work: { owner: 'w1', leaseUntil: 99 } }],
    ['retry bookkeeping', { work: { attempts: 2, nextAttemptAt: 5, lastError: 'timeout' } }],
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

  it('leaves the request it was given untouched', () => {
    const before = structuredClone(request);
    applyPatch(request, { state: 'denied', work: { attempts: 3 } }, LATER);
    expect(request).toEqual(before);
  });
});

describe('changesOf', () => {
  it('lists exactly the fields a patch writes, updatedAt included when a visible field is among them', () => {
    expect(changesOf({ state: 'approved', handledState: 'pending', work: { attempts: 0 } }, LATER)).toEqual({
      request: { state: 'approved', handledState: 'pending', updatedAt: LATER },
      work: { attempts: 0 },
    });
    expect(changesOf({ pendingKey: 'sk-1', work: { lastError: null } }, LATER)).toEqual({
      request: { pendingKey: 'sk-1' },
      work: { lastError: null },
    });
  });

  it('counts state, reason and apiKey as visible and nothing else', () => {
    expect([...VISIBLE_FIELDS].sort()).toEqual(['apiKey', 'reason', 'state']);
  });
});

describe('needsWork', () => {
  it('is true exactly while the current state has not been handled', () => {
    expect(needsWork({ state: 'pending', handledState: null })).toBe(true);
    expect(needsWork({ state: 'approved', handledState: 'in-review' })).toBe(true);
    expect(needsWork({ state: 'denied', handledState: 'denied' })).toBe(false);
  });
});

describe('isDue', () => {
  const at = 1_000_000;
  const work = (patch: Partial<KeyRequest['work']>) => ({ ...request, work: { ...request.work, ...patch } });

  it('is due when work is owed, the retry time has come and no lease runs', () => {
    expect(isDue(work({ nextAttemptAt: at }), at)).toBe(true);
    expect(isDue(work({ owner: 'w1', leaseUntil: at }), at)).toBe(true);
  });

  it('is not due before the retry time', () => {
    expect(isDue(work({ nextAttemptAt: at + 1 }), at)).toBe(false);
  });

  it('is not due while another lease runs', () => {
    expect(isDue(work({ owner: 'w1', leaseUntil: at + 1 }), at)).toBe(false);
  });

  it('is not due when nothing is owed', () => {
    expect(isDue({ ...request, state: 'denied', handledState: 'denied' }, at)).toBe(false);
  });
});
