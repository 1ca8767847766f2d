import i18next, { type i18n } from 'i18next';
import { de } from './catalogs/de.js';
import { en } from './catalogs/en.js';
import { es } from './catalogs/es.js';
import type { Language } from './languages.js';

export const RESOURCES = {
  en: { translation: en },
  de: { translation: de },
  es: { translation: es },
} as const;

/** A ready i18next instance in `language` (all catalogs are bundled: no loading, no flash
 * of another language). Plurals and `{{n, number}}` go through Intl. */
export function createI18n(language: Language): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources: RESOURCES,
    lng: language,
    fallbackLng: 'en',
    // With the resources bundled, init completes before it returns.
    initAsync: false,
    interpolation: { escapeValue: false }, // React escapes what it renders
    returnNull: false,
  });
  return instance;
}
