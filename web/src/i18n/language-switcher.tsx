import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { chooseLanguage } from './browser-language.js';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from './languages.js';

/** A plain select: keyboard and screen readers know it, and it fits a phone's header.
 * Each language is named in itself (and marked so with `lang`). */
export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className="language-switcher">
      <label htmlFor={id} className="visually-hidden">
        {t('app.language')}
      </label>
      <span className="language-icon" aria-hidden="true">
        🌐
      </span>
      <select
        id={id}
        value={i18n.language}
        onChange={(event) => {
          if (isLanguage(event.target.value)) {
            chooseLanguage(i18n, event.target.value);
          }
        }}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
    </div>
  );
}
