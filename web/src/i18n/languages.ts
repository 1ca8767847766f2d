/** The languages the UI speaks, by their BCP 47 code. */
export const LANGUAGES = ['en', 'de', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, as a language menu shows them. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', de: 'Deutsch', es: 'Español' };

/** The localStorage key holding the chosen language (the same key as the original portal). */
export const LOCALE_KEY = 'user-locale';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The language to start in: the one chosen earlier in this browser, else the first of the
 * browser's preferred languages we speak (`de-AT` counts as `de`), else the site's default. */
export function pickLanguage(
  stored: string | null,
  preferred: readonly string[],
  siteDefault: Language,
): Language {
  if (isLanguage(stored)) {
    return stored;
  }
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    const base = lower.split('-')[0];
    if (isLanguage(lower)) {
      return lower;
    }
    if (isLanguage(base)) {
      return base;
    }
  }
  return siteDefault;
}

/** The site's default language, set by the operator (`portal.default_language`). The service
 * states it in index.html as `<meta name="default-language" content="de">`; without it, English. */
export function siteDefaultLanguage(doc: Pick<Document, 'querySelector'>): Language {
  const value = doc
    .querySelector('meta[name="default-language"]')
    ?.getAttribute('content')
    ?.trim()
    .toLowerCase();
  return isLanguage(value) ? value : 'en';
}
