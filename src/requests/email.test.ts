import { describe, expect, it } from 'vitest';
import { canonicalEmail, foldEmail, normalizeEmail, recipientOf } from './email.js';

describe('foldEmail', () => {
  it('trims and lower-cases without judging the address', () => {
    expect(foldEmail('  Jane@Example.COM \n')).toBe('jane@example.com');
    expect(foldEmail(' Not An Address ')).toBe('not an address');
  });
});

describe('canonicalEmail', () => {
  const plus = { ignorePlusTags: true };

  it('folds, and cuts the +tag from the local part when told to', () => {
    expect(canonicalEmail(' Me+Work@Example.COM ', plus)).toBe('me@example.com');
    expect(canonicalEmail('me+a+b@example.com', plus)).toBe('me@example.com');
    expect(canonicalEmail('Me+Work@Example.COM', { ignorePlusTags: false })).toBe('me+work@example.com');
  });

  it('keeps a local part that starts with + whole, and leaves plain addresses alone', () => {
    expect(canonicalEmail('+x@example.com', plus)).toBe('+x@example.com');
    expect(canonicalEmail('me@example.com', plus)).toBe('me@example.com');
  });

  it('is idempotent, so stores may fold it again', () => {
    const once = canonicalEmail(' A.B+c@Example.org', plus);
    expect(canonicalEmail(once, plus)).toBe(once);
    expect(foldEmail(once)).toBe(once);
  });
});

describe('recipientOf', () => {
  it('is the address as typed, else the canonical one', () => {
    expect(recipientOf({ email: 'me@x.org', notifyEmail: 'Me+llm@X.org' })).toBe('Me+llm@X.org');
    expect(recipientOf({ email: 'me@x.org', notifyEmail: null })).toBe('me@x.org');
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
