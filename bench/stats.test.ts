import { describe, expect, it } from 'vitest';
import { median, medianRatio, percentile, roundRatios } from './stats.js';

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is NaN without values and does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
    expect(median([])).toBeNaN();
  });
});

describe('percentile', () => {
  it('answers a measured value by nearest rank', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(latencies, 50)).toBe(50);
    expect(percentile(latencies, 99)).toBe(99);
    expect(percentile(latencies, 100)).toBe(100);
    expect(percentile([7, 5], 99)).toBe(7);
    expect(percentile([5], 0)).toBe(5);
  });
});

describe('ratios over rounds', () => {
  it('pairs rounds by position and takes the median of the ratios', () => {
    expect(roundRatios([10, 30], [20, 40])).toEqual([0.5, 0.75]);
    // Ratios 0.5, 0.25, 1: the median is 0.5, while the ratio of the medians would be 20/40.
    expect(medianRatio([10, 10, 40], [20, 40, 40])).toBe(0.5);
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => roundRatios([1, 2], [1])).toThrow(/cannot pair 2 product rounds with 1/);
  });
});
