import { describe, expect, it } from 'vitest';
import { ADMIN_FILTERS, REQUEST_STATES } from '../api/api-types.js';
import { createI18n, RESOURCES } from './create-i18n.js';
import { LANGUAGES } from './languages.js';

/** Every leaf of a catalog as `dotted.key → text`. */
function flatten(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') {
      out.set(path, value);
    } else {
      for (const [leaf, text] of flatten(value as object, path)) {
        out.set(leaf, text);
      }
    }
  }
  return out;
}

/** `{{name}}` placeholders (without a format) and `<tag>` names, sorted: what a translation must keep. */
function slots(text: string): string[] {
  const names = [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((match) => `{{${match[1]}}}`);
  const tags = [...text.matchAll(/<(\w+)>/g)].map((match) => `<${match[1]}>`);
  return [...names, ...tags].sort();
}

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** The keys a catalog must have in `language`: the English keys, each plural key in every
 * plural form the language's rules (Intl.PluralRules) use. */
function expectedKeys(language: string): string[] {
  const forms = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  const keys = new Set<string>();
  for (const key of english.keys()) {
    if (PLURAL.test(key)) {
      for (const form of forms) {
        keys.add(key.replace(PLURAL, `_${form}`));
      }
    } else {
      keys.add(key);
    }
  }
  return [...keys].sort();
}

const catalogs = Object.fromEntries(
  LANGUAGES.map((language) => [language, flatten(RESOURCES[language].translation)]),
);
const english = flatten(RESOURCES.en.translation);

describe('translation catalogs', () => {
  it.each(LANGUAGES)(
    '%s has exactly the keys of the English catalog (with its own plural forms), none empty',
    (language) => {
      const catalog = catalogs[language] ?? new Map<string, string>();
      expect([...catalog.keys()].sort()).toEqual(expectedKeys(language));
      for (const [key, text] of catalog) {
        expect(text.trim(), `${language}: ${key}`).not.toBe('');
      }
    },
  );

  it.each(LANGUAGES)('%s keeps every placeholder and markup tag of the English text', (language) => {
    const catalog = catalogs[language] ?? new Map<string, string>();
    for (const [key, text] of catalog) {
      const source = english.get(key) ?? english.get(key.replace(PLURAL, '_other')) ?? '';
      expect(slots(text), `${language}: ${key}`).toEqual(slots(source));
    }
  });

  it('translates the German and Spanish texts (only names and codes may stay as in English)', () => {
    const same = (language: 'de' | 'es') =>
      [...english].filter(([key, text]) => catalogs[language]?.get(key) === text).map(([key]) => key);
    expect(same('de')).toEqual(['app.name', 'status.announced', 'table.status']);
    expect(same('es')).toEqual(['app.name']);
  });

  it('names every request state and admin filter the API has', () => {
    for (const state of REQUEST_STATES) {
      expect(english.has(`state.${state}.label`), state).toBe(true);
      expect(english.has(`state.${state}.next`), state).toBe(true);
    }
    for (const filter of ADMIN_FILTERS) {
      expect(english.has(`filter.${filter}.label`), filter).toBe(true);
    }
  });
});

describe('createI18n', () => {
  it('formats plurals and numbers in the chosen language', () => {
    expect(createI18n('en').t('picker.count', { count: 1 })).toBe('1 model');
    expect(createI18n('en').t('picker.count', { count: 1200 })).toBe('1,200 models');
    expect(createI18n('de').t('picker.count', { count: 1200 })).toBe('1.200 Modelle');
    expect(createI18n('es').t('picker.count', { count: 7 })).toBe('7 modelos');
    // Spanish uses its "many" form for round millions.
    expect(createI18n('es').t('picker.count', { count: 1_000_000 })).toBe('1.000.000 de modelos');
  });
});
