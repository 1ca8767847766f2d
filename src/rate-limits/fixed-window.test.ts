import { describe, expect, it } from 'vitest';
import { createFixedWindow } from './fixed-window.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createFixedWindow', () => {
  it('lets max events through per window, then says how long until the window ends', () => {
    const time = clock();
    const window = createFixedWindow({ max: 2, windowMs: 60_000, now: time.now });
    expect(window.waitMs('a')).toBe(0);
    window.add('a');
    time.advance(10_000);
    window.add('a');
    expect(window.waitMs('a')).toBe(50_000);
    expect(window.waitMs('b')).toBe(0);
    time.advance(50_000);
    expect(window.waitMs('a')).toBe(0);
  });

  it('counts events still in flight', () => {
    const window = createFixedWindow({ max: 2, windowMs: 60_000, now: clock().now });
    window.add('a');
    expect(window.waitMs('a', 0)).toBe(0);
    expect(window.waitMs('a', 1)).toBeGreaterThan(0);
    expect(window.waitMs('b', 2)).toBe(60_000);
  });

  it('limits nothing with max 0', () => {
    const window = createFixedWindow({ max: 0, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      window.add('a');
    }
    expect(window.waitMs('a', 10)).toBe(0);
  });

  it('keeps at most maxKeys windows, dropping the oldest', () => {
    const time = clock();
    const window = createFixedWindow({ max: 1, windowMs: 60_000, now: time.now, maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) {
      window.add(key);
      time.advance(1);
    }
    expect(window.waitMs('a')).toBe(0);
    expect(window.waitMs('b')).toBeGreaterThan(0);
    expect(window.waitMs('c')).toBeGreaterThan(0);
  });
});
