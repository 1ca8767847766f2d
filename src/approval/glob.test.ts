import { describe, expect, it } from 'vitest';
import { compileGlob, firstMatch } from './glob.js';

function matches(pattern: string, text: string, caseInsensitive = false): boolean {
  return compileGlob(pattern, { caseInsensitive }).matches(text);
}

describe('compileGlob', () => {
  it.each([
    ['gpt-4*', 'gpt-4', true],
    ['gpt-4*', 'gpt-4o-mini', true],
    // `gpt-4*` is a prefix match: it also catches gpt-40, as it did in the Python service.
    ['gpt-4*', 'gpt-40', true],
    ['gpt-4', 'gpt-40', false],
    ['gpt-4', 'xgpt-4', false],
    ['gpt-4?', 'gpt-40', true],
    ['gpt-4?', 'gpt-4', false],
    ['gpt-4?', 'gpt-4o-', false],
    ['*-preview', 'gemini-2.0-preview', true],
    ['*-preview', 'gemini-2.0-preview-2', false],
  ])('%j against %j is %s (whole-string match)', (pattern, text, expected) => {
    expect(matches(pattern, text)).toBe(expected);
  });

  it('lets * cross slashes, so ollama/* covers nested ids', () => {
    expect(matches('ollama/*', 'ollama/a/b')).toBe(true);
    expect(matches('ollama/*', 'ollama/')).toBe(true);
    expect(matches('ollama/*', 'ollama')).toBe(false);
    expect(matches('*/llama*', 'ollama/llama2')).toBe(true);
  });

  it('lets * and ? match line breaks', () => {
    expect(matches('a*b', 'a\nb')).toBe(true);
    expect(matches('a?b', 'a\nb')).toBe(true);
  });

  it.each([
    ['mistral-7b.v2', 'mistral-7b.v2', true],
    ['mistral-7b.v2', 'mistral-7bxv2', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['model(1)', 'model(1)', true],
    ['model(1)', 'model1', false],
    ['x|y', 'x', false],
    ['x|y', 'x|y', true],
    ['^start$', '^start$', true],
    ['a{2}', 'a{2}', true],
    ['a{2}', 'aa', false],
    ['back\\slash', 'back\\slash', true],
    ['back\\*', 'back\\anything', true],
    ['a/b', 'a/b', true],
    ['$1', '$1', true],
  ])('treats regex metacharacters in %j literally (%j: %s)', (pattern, text, expected) => {
    expect(matches(pattern, text)).toBe(expected);
  });

  it.each([
    ['claude-[23]', 'claude-2', true],
    ['claude-[23]', 'claude-4', false],
    ['v[0-9]', 'v7', true],
    ['v[0-9]', 'vx', false],
    ['v[!0-9]', 'vx', true],
    ['v[!0-9]', 'v7', false],
    ['[a-c-e]', '-', true],
    ['[a-c-e]', 'd', false],
    ['[-a]', '-', true],
    ['[a-]', '-', true],
    ['[]]', ']', true],
    ['[!]]', ']', false],
    ['[!]]', 'x', true],
    ['[^a]', '^', true],
    ['[^a]', 'b', false],
    ['[.]', '.', true],
    ['[.]', 'x', false],
    ['[\\]', '\\', true],
    ['[z-a]', 'm', false],
    ['[z-a]', 'z', false],
    ['[!z-a]', 'm', true],
  ])('reads the set %j like fnmatch (%j: %s)', (pattern, text, expected) => {
    expect(matches(pattern, text)).toBe(expected);
  });

  it('treats an unclosed [ as a literal character', () => {
    expect(matches('gpt[4', 'gpt[4')).toBe(true);
    expect(matches('gpt[4', 'gpt4')).toBe(false);
    expect(matches('[', '[')).toBe(true);
    expect(matches('[]', '[]')).toBe(true);
    expect(matches('[!', '[!')).toBe(true);
    expect(matches('a[*', 'a[bc')).toBe(true);
  });

  it('matches ? and sets against whole code points', () => {
    expect(matches('?', '🦙')).toBe(true);
    expect(matches('[🦙x]', '🦙')).toBe(true);
    expect(matches('??', '🦙')).toBe(false);
  });

  it('matches case-sensitively unless asked otherwise', () => {
    expect(matches('GPT-4*', 'gpt-4o')).toBe(false);
    expect(matches('*@Company.COM', 'user@company.com')).toBe(false);
    expect(matches('*@Company.COM', 'user@company.com', true)).toBe(true);
    expect(matches('[A-C]*', 'bob', true)).toBe(true);
  });

  it('matches the empty pattern against the empty string only', () => {
    expect(matches('', '')).toBe(true);
    expect(matches('', 'a')).toBe(false);
    expect(matches('*', '')).toBe(true);
    expect(matches('**', 'anything')).toBe(true);
  });

  it('finds interior pieces wherever they are, with several stars', () => {
    expect(matches('*a*b*c', 'xxaxxbxxc')).toBe(true);
    expect(matches('*a*b*c', 'xxbxxaxxc')).toBe(false);
    expect(matches('*ab*ab', 'abab')).toBe(true);
    expect(matches('*ab*ab', 'aab')).toBe(false);
    expect(matches('a*?*b', 'ab')).toBe(false);
    expect(matches('a*?*b', 'axb')).toBe(true);
    // A digit right after a star piece must not merge with the group back-reference.
    expect(matches('*a*0*1', 'za0x1')).toBe(true);
  });

  it('stays fast on patterns that make a naive translation backtrack', () => {
    const glob = compileGlob('*a*a*a*a*a*a*a*a*a*a*b');
    const text = 'a'.repeat(254);
    const started = performance.now();
    for (let i = 0; i < 100; i += 1) {
      expect(glob.matches(text)).toBe(false);
    }
    // The naive `.*a.*a...` form needs about a minute for ONE 40-character string.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('gives the same answer when reused (no regex state between calls)', () => {
    const glob = compileGlob('ollama/*');
    expect([glob.matches('ollama/x'), glob.matches('ollama/x'), glob.matches('gpt')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('firstMatch', () => {
  it('returns the first matching glob in list order, or undefined', () => {
    const globs = ['gpt-4o', 'gpt-*', 'claude-*'].map((pattern) => compileGlob(pattern));
    expect(firstMatch(globs, 'gpt-4o')?.pattern).toBe('gpt-4o');
    expect(firstMatch(globs, 'gpt-3.5')?.pattern).toBe('gpt-*');
    expect(firstMatch(globs, 'mistral')).toBeUndefined();
  });
});
