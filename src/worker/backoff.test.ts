import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.js';

describe('backoffMs', () => {
  const middle = { random: () => 0.5 };

  it('doubles from the base on each attempt', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, middle))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps the delay', () => {
    expect(backoffMs(50, middle)).toBe(300_000);
    expect(backoffMs(3, { ...middle, maxMs: 2500 })).toBe(2500);
  });

  it('spreads retries by ±20 %', () => {
    expect(backoffMs(1, { random: () => 0 })).toBe(800);
    expect(backoffMs(1, { random: () => 1 })).toBe(1200);
  });
});
