import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    [' 2s ', 2000],
    ['7d', 604_800_000],
    ['24H', 86_400_000],
    ['10MS', 10],
    ['5M', 300_000],
    ['1H', 3_600_000],
    ['250MS', 250],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '0s', '0d', '1.5s', '-1s', '1w', 's', '30 s', '1h30m'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
