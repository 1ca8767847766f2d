import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lkr-portal-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function load(yaml: string) {
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return loadConfig({ env: {}, cwd: dir, serviceAccountNamespaceFile: join(dir, 'none') });
}

describe('portal settings', () => {
  it('default to German, as the original portal, and no terms', () => {
    expect(load('').portal).toEqual({ defaultLanguage: 'de', terms: null });
  });

  it('take a language the UI speaks and terms as text or a link', () => {
    expect(load('portal: {default_language: es, terms: "  Use it well.  "}').portal).toEqual({
      defaultLanguage: 'es',
      terms: 'Use it well.',
    });
    expect(load('portal:\n  terms: |\n    One.\n\n    Two.\n').portal.terms).toBe('One.\n\nTwo.');
    expect(load('portal: {terms: ""}').portal.terms).toBeNull();
  });

  it.each([
    ['portal: {default_language: fr}', 'portal.default_language: must be "en" or "de" or "es", got "fr"'],
    ['portal: {default_language: 7}', 'portal.default_language'],
    ['portal: {terms: [a]}', 'portal.terms'],
    ['portal: {language: de}', 'portal.language'],
  ])('stop start-up on %s, naming the key', (yaml, message) => {
    expect(() => load(yaml)).toThrow(message);
  });
});
