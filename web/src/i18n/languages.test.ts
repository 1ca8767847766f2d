import { describe, expect, it } from 'vitest';
import { pickLanguage, siteDefaultLanguage } from './languages.js';

describe('pickLanguage', () => {
  it('keeps a language chosen earlier in this browser', () => {
    expect(pickLanguage('es', ['de-DE', 'en'], 'en')).toBe('es');
  });

  it("takes the first of the browser's languages it speaks, by exact tag or by base language", () => {
    expect(pickLanguage(null, ['fr-FR', 'de-AT', 'en-US'], 'en')).toBe('de');
    expect(pickLanguage(null, ['ES'], 'en')).toBe('es');
    expect(pickLanguage('klingon', ['en-GB', 'de'], 'de')).toBe('en');
  });

  it('falls back to the site default when nothing matches', () => {
    expect(pickLanguage(null, ['fr', 'it-IT'], 'de')).toBe('de');
    expect(pickLanguage(null, [], 'en')).toBe('en');
  });
});

describe('siteDefaultLanguage', () => {
  const doc = (content: string | null) => ({
    querySelector: () => (content === null ? null : ({ getAttribute: () => content } as unknown as Element)),
  });

  it('reads the default the service states in the page', () => {
    expect(siteDefaultLanguage(doc('de'))).toBe('de');
    expect(siteDefaultLanguage(doc(' ES '))).toBe('es');
  });

  it('is English without a statement or with a language the UI does not speak', () => {
    expect(siteDefaultLanguage(doc(null))).toBe('en');
    expect(siteDefaultLanguage(doc('fr'))).toBe('en');
  });
});
