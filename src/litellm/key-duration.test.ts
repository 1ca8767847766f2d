import { describe, expect, it } from 'vitest';
import { expiryAfter } from './key-duration.js';

const FROM = Date.parse('2031-01-31T12:00:00.000Z');

describe('expiryAfter', () => {
  it("reads LiteLLM's duration units", () => {
    expect(expiryAfter(FROM, '2s')).toBe('2031-01-31T12:00:02.000Z');
    expect(expiryAfter(FROM, '5m')).toBe('2031-01-31T12:05:00.000Z');
    expect(expiryAfter(FROM, '3h')).toBe('2031-01-31T15:00:00.000Z');
    expect(expiryAfter(FROM, '30d')).toBe('2031-03-02T12:00:00.000Z');
    expect(expiryAfter(FROM, '1w')).toBe('2031-02-07T12:00:00.000Z');
  });

  it('counts months on the calendar', () => {
    expect(expiryAfter(Date.parse('2031-03-15T00:00:00Z'), '2mo')).toBe('2031-05-15T00:00:00.000Z');
  });

  it('gives no expiry for "-1" (never) and for text LiteLLM would not read', () => {
    for (const text of ['-1', '', '30', 'd', '30 days', '1.5h', '7D']) {
      expect(expiryAfter(FROM, text)).toBeNull();
    }
  });
});
