import { describe, expect, it } from 'vitest';
import {
  epochHour,
  isDue,
  needsWork,
  nextDueAt,
  owedDuties,
  redoNotification,
  reminderDueAt,
} from './duties.js';
import { newRequest } from './request-rules.js';
import type { KeyRequest } from './request-types.js';

const DAY = 86_400_000;
const NOW = Date.parse('2025-06-01T00:00:00.000Z');
const REMIND = { remindBeforeMs: 7 * DAY };
const NO_REMINDERS = { remindBeforeMs: 0 };

function request(patch: Partial<KeyRequest> = {}): KeyRequest {
  return {
    ...newRequest({ id: 'r-1', email: 'a@example.com', model: 'm1' }, '2025-01-01T00:00:00.000Z'),
    version: '1',
    ...patch,
  };
}

/** Approved, its key issued for this cycle, expiring `in` ms after NOW. */
function issued(inMs: number, patch: Partial<KeyRequest> = {}): KeyRequest {
  return request({
    state: 'approved',
    handledState: 'approved',
    expiresAt: new Date(NOW + inMs).toISOString(),
    ...patch,
  });
}

describe('needsWork', () => {
  it('is true exactly while the current state has not been handled', () => {
    expect(needsWork({ state: 'pending', handledState: null })).toBe(true);
    expect(needsWork({ state: 'approved', handledState: 'in-review' })).toBe(true);
    expect(needsWork({ state: 'denied', handledState: 'denied' })).toBe(false);
  });
});

describe('owedDuties', () => {
  it('owes the state duties while the state is not handled', () => {
    expect(owedDuties(request(), NOW, REMIND)).toEqual(['state']);
    expect(owedDuties(request({ state: 'denied', handledState: 'denied' }), NOW, REMIND)).toEqual([]);
  });

  it('owes a link mail while one waits, whatever the state', () => {
    const waiting = request({ state: 'denied', handledState: 'denied', linkMail: { hour: 5 } });
    expect(owedDuties(waiting, NOW, REMIND)).toEqual(['link-mail']);
  });

  it('expires an issued key once its expiry has passed, instead of reminding', () => {
    expect(owedDuties(issued(0), NOW, REMIND)).toEqual(['expire']);
    expect(owedDuties(issued(-DAY), NOW, NO_REMINDERS)).toEqual(['expire']);
    expect(owedDuties(issued(1), NOW, NO_REMINDERS)).toEqual([]);
  });

  it('reminds once per cycle within remind_before of the expiry', () => {
    expect(owedDuties(issued(7 * DAY), NOW, REMIND)).toEqual(['remind']);
    expect(owedDuties(issued(7 * DAY + 1), NOW, REMIND)).toEqual([]);
    expect(owedDuties(issued(DAY, { remindedCycle: 1 }), NOW, REMIND)).toEqual([]);
    expect(owedDuties(issued(DAY, { cycle: 2, remindedCycle: 1 }), NOW, REMIND)).toEqual(['remind']);
    expect(owedDuties(issued(DAY), NOW, NO_REMINDERS)).toEqual([]);
  });

  it('neither expires nor reminds a request whose key is not issued for this cycle', () => {
    // A renewal approved again: the expiry is the previous cycle's, the key is about to be extended.
    const renewing = issued(-DAY, { handledState: null });
    expect(owedDuties(renewing, NOW, REMIND)).toEqual(['state']);
    expect(owedDuties(issued(-DAY, { state: 'denied', handledState: 'denied' }), NOW, REMIND)).toEqual([]);
    expect(owedDuties(request({ state: 'approved', handledState: 'approved' }), NOW, REMIND)).toEqual([]);
  });
});

describe('nextDueAt and isDue', () => {
  const lease = (patch: Partial<KeyRequest['work']>) => ({ ...request().work, ...patch });

  it('is due at once for owed work and link mails, but not before the retry time', () => {
    expect(nextDueAt(request(), REMIND)).toBe(0);
    expect(nextDueAt(request({ work: lease({ nextAttemptAt: NOW + 5 }) }), REMIND)).toBe(NOW + 5);
    expect(isDue(request({ work: lease({ nextAttemptAt: NOW }) }), NOW, REMIND)).toBe(true);
    expect(isDue(request({ work: lease({ nextAttemptAt: NOW + 1 }) }), NOW, REMIND)).toBe(false);
  });

  it('is due at the reminder, then at the expiry', () => {
    expect(nextDueAt(issued(10 * DAY), REMIND)).toBe(NOW + 3 * DAY);
    expect(nextDueAt(issued(10 * DAY, { remindedCycle: 1 }), REMIND)).toBe(NOW + 10 * DAY);
    expect(reminderDueAt(issued(10 * DAY), NO_REMINDERS)).toBeNull();
    expect(nextDueAt(request({ state: 'denied', handledState: 'denied' }), REMIND)).toBeNull();
  });

  it('is not due while another lease runs, and due again once it ran out', () => {
    expect(isDue(request({ work: lease({ owner: 'w1', leaseUntil: NOW + 1 }) }), NOW, REMIND)).toBe(false);
    expect(isDue(request({ work: lease({ owner: 'w1', leaseUntil: NOW }) }), NOW, REMIND)).toBe(true);
  });

  it('is due for an expiry exactly when owedDuties says so', () => {
    for (const inMs of [-DAY, -1, 0, 1, DAY, 7 * DAY, 8 * DAY]) {
      for (const policy of [REMIND, NO_REMINDERS]) {
        const candidate = issued(inMs);
        expect(isDue(candidate, NOW, policy)).toBe(owedDuties(candidate, NOW, policy).length > 0);
      }
    }
  });
});

describe('redoNotification', () => {
  it("owes a state's mail again while the request is still in that state", () => {
    expect(redoNotification(request({ state: 'approved' }), 'approval', NOW)).toEqual({
      ok: true,
      value: { handledState: null },
    });
    expect(redoNotification(request({ state: 'revoked' }), 'approval', NOW)).toEqual({
      ok: false,
      error: 'the request is revoked now; its approval mail is no longer due',
    });
  });

  it('owes the reminder of this cycle again, and a link mail for this hour', () => {
    expect(redoNotification(request({ state: 'approved', cycle: 3 }), 'reminder', NOW)).toEqual({
      ok: true,
      value: { remindedCycle: 2 },
    });
    expect(redoNotification(request({ state: 'expired' }), 'reminder', NOW).ok).toBe(false);
    expect(redoNotification(request(), 'link', NOW)).toEqual({
      ok: true,
      value: { linkMail: { hour: epochHour(NOW) } },
    });
  });
});

describe('epochHour', () => {
  it('counts whole hours since the epoch', () => {
    expect(epochHour(0)).toBe(0);
    expect(epochHour(3_599_999)).toBe(0);
    expect(epochHour(3_600_000)).toBe(1);
  });
});
