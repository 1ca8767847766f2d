import { describe, expect, it } from 'vitest';
import { canonicalEmail, normalizeEmail } from './email.js';

describe('canonicalEmail', () => {
  it('trims and lower-cases without judging the address', () => {
    expect(canonicalEmail('  Jane@Example.COM \n')).toBe('jane@example.com');
    expect(canonicalEmail(' Not An Address ')).toBe('not an address');
  });
});

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Alice.Smith+llm@Example.COM \n')).toEqual({
      ok: true,
      value: 'alice.smith+llm@example.com',
    });
  });

  it.each([
    ['', 'empty'],
    ['alice', 'form'],
    ['alice@', 'form'],
    ['@example.com', 'form'],
    ['alice@localhost', 'domain'],
    ['alice@example.123', 'domain'],
    ['alice@-bad.com', 'domain'],
    ['al ice@example.com', 'spaces'],
    ['alice@example.com\r\nBcc: x@y.com', 'spaces'],
    ['a..b@example.com', 'before the @'],
    ['"quoted"@example.com', 'before the @'],
    [`${'a'.repeat(65)}@example.com`, 'before the @'],
    [`a@${'b'.repeat(250)}.com`, 'at most 254'],
  ])('rejects %j (%s)', (raw, problem) => {
    const check = normalizeEmail(raw);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.error.code).toBe('validation');
    expect(check.ok ? '' : check.error.message).toContain(problem);
  });
});
