import { describe, expect, it } from 'vitest';
import { historyEntry } from './history.js';
import { deniedAt, holdsLiveKey, type LifecyclePolicy, renewable } from './lifecycle.js';
import { applyPatch, newRequest } from './request-rules.js';
import type { KeyRequest } from './request-types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2025-06-01T00:00:00.000Z');
const POLICY: LifecyclePolicy = { remindBeforeMs: 7 * DAY, denyCooldownMs: DAY };

function request(patch: Partial<KeyRequest> = {}): KeyRequest {
  return {
    ...newRequest({ id: 'r-1', email: 'a@example.com', model: 'm1' }, '2025-01-01T00:00:00.000Z'),
    version: '1',
    ...patch,
  };
}

const at = (offset: number) => new Date(NOW + offset).toISOString();

describe('holdsLiveKey', () => {
  it('holds for an approved request, its key issued or on the way', () => {
    expect(holdsLiveKey(request({ state: 'approved' }), NOW)).toBe(true);
    expect(holdsLiveKey(request({ state: 'approved', handledState: 'approved', keyHash: 'h' }), NOW)).toBe(
      true,
    );
  });

  it('holds in any other state while key material is kept and not expired', () => {
    for (const state of ['pending', 'denied', 'in-review'] as const) {
      expect(holdsLiveKey(request({ state, keyHash: 'h', expiresAt: at(HOUR) }), NOW)).toBe(true);
      expect(holdsLiveKey(request({ state, apiKey: 'sk-old' }), NOW)).toBe(true);
      expect(holdsLiveKey(request({ state, pendingKey: 'sk-reserved' }), NOW)).toBe(true);
      expect(holdsLiveKey(request({ state }), NOW)).toBe(false);
    }
  });

  it('never holds once revoked or expired, or past the expiry of an issued key', () => {
    expect(holdsLiveKey(request({ state: 'revoked', keyHash: 'h' }), NOW)).toBe(false);
    expect(holdsLiveKey(request({ state: 'expired', keyHash: 'h' }), NOW)).toBe(false);
    expect(
      holdsLiveKey(
        request({ state: 'approved', handledState: 'approved', keyHash: 'h', expiresAt: at(0) }),
        NOW,
      ),
    ).toBe(false);
    expect(holdsLiveKey(request({ state: 'denied', keyHash: 'h', expiresAt: at(-1) }), NOW)).toBe(false);
  });

  it('holds for a renewal approved again whose previous key expired: a key is being issued', () => {
    expect(holdsLiveKey(request({ state: 'approved', handledState: null, expiresAt: at(-DAY) }), NOW)).toBe(
      true,
    );
  });
});

describe('deniedAt', () => {
  it('is the time of the newest entry into denied, else the last visible change', () => {
    const denied = applyPatch(
      request(),
      { state: 'denied', append: [historyEntry('decided', 'plugin:x', { from: 'pending', to: 'denied' })] },
      at(-2 * HOUR),
    );
    expect(
      deniedAt(applyPatch(denied, { append: [historyEntry('mail-delivered', 'worker')] }, at(-HOUR))),
    ).toBe(NOW - 2 * HOUR);
    expect(deniedAt(request({ history: [], updatedAt: at(-3 * HOUR) }))).toBe(NOW - 3 * HOUR);
  });
});

describe('renewable', () => {
  const deniedAgo = (ms: number) =>
    request({
      state: 'denied',
      history: [
        { at: at(-ms), actor: 'worker', action: 'decided', from: 'pending', to: 'denied', reason: null },
      ],
    });

  it('after expiry or revocation, at once', () => {
    expect(renewable(request({ state: 'expired' }), NOW, POLICY)).toBe(true);
    expect(renewable(request({ state: 'revoked' }), NOW, POLICY)).toBe(true);
  });

  it('after a denial once the cool-down has passed; with no cool-down at once', () => {
    expect(renewable(deniedAgo(DAY - 1), NOW, POLICY)).toBe(false);
    expect(renewable(deniedAgo(DAY), NOW, POLICY)).toBe(true);
    expect(renewable(deniedAgo(0), NOW, { ...POLICY, denyCooldownMs: 0 })).toBe(true);
  });

  it('while approved, within remind_before of the issued key expiry', () => {
    const approved = (inMs: number) =>
      request({ state: 'approved', handledState: 'approved', expiresAt: at(inMs) });
    expect(renewable(approved(7 * DAY), NOW, POLICY)).toBe(true);
    expect(renewable(approved(7 * DAY + 1), NOW, POLICY)).toBe(false);
    expect(renewable(approved(HOUR), NOW, { ...POLICY, remindBeforeMs: 0 })).toBe(false);
    expect(renewable(approved(0), NOW, { ...POLICY, remindBeforeMs: 0 })).toBe(true);
    expect(renewable(request({ state: 'approved', handledState: 'approved' }), NOW, POLICY)).toBe(false);
    expect(renewable(request({ state: 'approved', expiresAt: at(HOUR) }), NOW, POLICY)).toBe(false);
  });

  it('never while pending or in review', () => {
    expect(renewable(request(), NOW, POLICY)).toBe(false);
    expect(renewable(request({ state: 'in-review' }), NOW, POLICY)).toBe(false);
  });
});
