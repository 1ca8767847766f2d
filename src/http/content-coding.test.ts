import { describe, expect, it } from 'vitest';
import { type ContentCoding, preferredCoding } from './content-coding.js';

const ALL: ContentCoding[] = ['br', 'gzip', 'identity'];

describe('preferredCoding', () => {
  it.each([
    ['gzip, deflate, br, zstd', 'br'], // Chromium
    ['gzip, deflate', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['BR', 'br'],
    ['x-gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0.2, gzip;q=0.1', 'br'],
    ['br;q=0, *', 'gzip'],
    ['identity', 'identity'],
    ['', 'identity'],
    [undefined, 'identity'],
    ['deflate', 'identity'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['br;q=nonsense, gzip', 'gzip'],
    ['gzip;q=0.1', 'identity'], // identity keeps its implicit q=1
  ] as const)('Accept-Encoding %j → %s', (header, coding) => {
    expect(preferredCoding(header, ALL)).toBe(coding);
  });

  it('offers only what it has', () => {
    expect(preferredCoding('br, gzip', ['gzip', 'identity'])).toBe('gzip');
  });

  it('still answers uncompressed when even identity is refused', () => {
    expect(preferredCoding('*;q=0', ALL)).toBe('identity');
  });
});
