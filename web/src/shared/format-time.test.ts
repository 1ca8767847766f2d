import { describe, expect, it } from 'vitest';
import { formatTime } from './format-time.js';

describe('formatTime', () => {
  it("writes the date in the UI's language", () => {
    const iso = '2025-03-04T10:00:00Z';
    expect(formatTime(iso, 'en')).toContain('Mar 4, 2025');
    expect(formatTime(iso, 'de')).toContain('04.03.2025');
    expect(formatTime(iso, 'es')).toContain('4 mar 2025');
  });

  it('shows an unparsable value as it came', () => {
    expect(formatTime('not a date', 'de')).toBe('not a date');
  });
});
