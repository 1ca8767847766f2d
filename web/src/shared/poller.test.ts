import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, type CheckOutcome, createPoller, type Visibility } from './poller.js';

function fakeVisibility(hidden = false): Visibility & { set(hidden: boolean): void } {
  const listeners = new Set<() => void>();
  let state = hidden;
  return {
    hidden: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      state = next;
      for (const listener of listeners) {
        listener();
      }
    },
  };
}

/** A check that answers from a script of outcomes, then 'unchanged' forever, and records when it ran. */
function scripted(outcomes: CheckOutcome[]) {
  const times: number[] = [];
  const check = vi.fn(async () => {
    times.push(Date.now());
    return outcomes.shift() ?? 'unchanged';
  });
  return { check, times };
}

describe('backoffDelay', () => {
  it('grows by the factor from the first delay and stops at the maximum', () => {
    expect([0, 1, 2, 3].map((step) => backoffDelay(step))).toEqual([1000, 1600, 2560, 4096]);
    expect(backoffDelay(50)).toBe(30_000);
    expect(backoffDelay(3, { firstDelayMs: 100, factor: 2, maxDelayMs: 500 })).toBe(500);
  });
});

describe('createPoller', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks at once, backs off while nothing changes, and stops once settled', async () => {
    const { check, times } = scripted(['unchanged', 'unchanged', 'failed', 'settled']);
    const poller = createPoller({ check, visibility: fakeVisibility() });
    poller.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times).toEqual([0, 1000, 2600, 5160]);
    poller.stop();
  });

  it('starts the backoff over after a change', async () => {
    const { check, times } = scripted(['unchanged', 'unchanged', 'changed', 'unchanged', 'settled']);
    const poller = createPoller({ check, visibility: fakeVisibility() });
    poller.start();
    await vi.advanceTimersByTimeAsync(60_000);
    // 0, +1000, +1600, then after the change +1000 and +1600 again.
    expect(times).toEqual([0, 1000, 2600, 3600, 5200]);
    poller.stop();
  });

  it('pauses after the page has been hidden for the limit, and checks at once when shown again', async () => {
    const visibility = fakeVisibility();
    const { check, times } = scripted([]);
    const poller = createPoller({
      check,
      visibility,
      firstDelayMs: 1000,
      factor: 1,
      hiddenLimitMs: 5000,
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(2000);
    visibility.set(true);
    await vi.advanceTimersByTimeAsync(60_000);
    // Hidden at 2000: checks continue until 7000, then nothing.
    expect(times).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]);

    visibility.set(false);
    await vi.advanceTimersByTimeAsync(1500);
    expect(times.slice(8)).toEqual([62_000, 63_000]);
    poller.stop();
  });

  it('does nothing more after stop(), and aborts a check in flight', async () => {
    let signal: AbortSignal | undefined;
    const check = vi.fn(async (given: AbortSignal) => {
      signal = given;
      return 'unchanged' as const;
    });
    const poller = createPoller({ check, visibility: fakeVisibility() });
    poller.start();
    poller.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(check).toHaveBeenCalledTimes(1);
    expect(signal?.aborted).toBe(true);
  });

  it('treats a check that throws as a failed one and keeps polling', async () => {
    let calls = 0;
    const check = vi.fn(async (): Promise<CheckOutcome> => {
      calls += 1;
      if (calls === 1) {
        throw new Error('boom');
      }
      return 'settled';
    });
    const poller = createPoller({ check, visibility: fakeVisibility() });
    poller.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(check).toHaveBeenCalledTimes(2);
    poller.stop();
  });
});
