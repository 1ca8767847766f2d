import type { i18n } from 'i18next';
import { browserStorage } from '../shared/browser-storage.js';
import { isLanguage, type Language, LOCALE_KEY, pickLanguage, siteDefaultLanguage } from './languages.js';

/** The language to start in, from this browser's earlier choice, its preferred languages
 * (navigator.languages) and the site's default. */
export function initialLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = browserStorage('localStorage')?.getItem(LOCALE_KEY) ?? null;
  } catch {
    // Unreadable storage: as if nothing was chosen.
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  return pickLanguage(stored, preferred, siteDefaultLanguage(document));
}

/** Keeps `<html lang>` on the UI's language, so screen readers, hyphenation and spell
 * checking follow a switch too. */
export function followLanguage(instance: i18n): void {
  const apply = (language: string) => {
    document.documentElement.lang = isLanguage(language) ? language : 'en';
  };
  apply(instance.language);
  instance.on('languageChanged', apply);
}

/** Switches the UI's language and remembers the choice in this browser. */
export function chooseLanguage(instance: i18n, language: Language): void {
  try {
    browserStorage('localStorage')?.setItem(LOCALE_KEY, language);
  } catch {
    // Not remembered (private mode, full quota): the switch still applies to this visit.
  }
  void instance.changeLanguage(language);
}
