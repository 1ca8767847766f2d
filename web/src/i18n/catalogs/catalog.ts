import type { en } from './en.js';

/** The shape every catalog has: the English catalog's keys, any text as values. A catalog
 * of this type with a key missing or extra does not compile. English needs only the plural
 * forms `_one` and `_other`; a language with more (Spanish `_many`) may add them. */
export type Catalog = Strings<typeof en>;

type ExtraPlural = 'zero' | 'two' | 'few' | 'many';

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> } & {
  [K in keyof T as K extends `${infer Base}_other` ? `${Base}_${ExtraPlural}` : never]?: string;
};
