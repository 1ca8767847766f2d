import { describe, expect, it } from 'vitest';
import { MODEL_ID_PATTERN, REQUEST_ID_PATTERN, wholeNumberPattern } from './limits.js';

describe('wholeNumberPattern', () => {
  it.each([1, 7, 9, 10, 12, 99, 100, 200, 205, 1000, 4096])('accepts exactly 1..%d', (max) => {
    const pattern = new RegExp(wholeNumberPattern(max));
    const accepted = Array.from({ length: max + 20 }, (_, n) => n).filter((n) => pattern.test(String(n)));
    expect(accepted).toEqual(Array.from({ length: max }, (_, n) => n + 1));
  });

  it.each(['01', '+5', '-1', '1.0', ' 5', '5 ', '', 'abc', '1e2'])('refuses %j', (text) => {
    expect(new RegExp(wholeNumberPattern(200)).test(text)).toBe(false);
  });
});

describe('id patterns', () => {
  it('bounds request ids to 64 letters, digits and dashes', () => {
    const pattern = new RegExp(REQUEST_ID_PATTERN);
    expect(pattern.test('42d1919f-7698-4811-8de9-61c0767af7ba')).toBe(true);
    expect(pattern.test('a'.repeat(64))).toBe(true);
    expect(pattern.test('a'.repeat(65))).toBe(false);
    expect(pattern.test('../etc/passwd')).toBe(false);
  });

  it('bounds model ids to 200 characters without blanks', () => {
    const pattern = new RegExp(MODEL_ID_PATTERN);
    expect(pattern.test('ollama/llama3.1:8b@latest+q4')).toBe(true);
    expect(pattern.test('m'.repeat(200))).toBe(true);
    expect(pattern.test('m'.repeat(201))).toBe(false);
    expect(pattern.test('gpt 4; drop')).toBe(false);
  });
});
