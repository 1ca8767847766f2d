import 'i18next';
import type { en } from './catalogs/en.js';

/** Typed keys: `t('no.such.key')` does not compile, nor does a key built from a state the
 * catalogs do not name (a new state from the API must be translated before it shows). */
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
    returnNull: false;
  }
}
