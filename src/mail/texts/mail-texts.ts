import type { Inline } from '../mail-blocks.js';
import type { MailLanguage } from '../mail-locale.js';
import { DE } from './de.js';
import { EN } from './en.js';
import { ES } from './es.js';

/** Everything a requester mail says, in one language. Values (model ids, dates, links) come in
 * as arguments; `Inline` parts mark which of them are emphasised in HTML. Dates arrive
 * formatted for the language (mail-locale.ts). */
export interface MailTexts {
  greeting: string;
  /** The small print under every HTML part. */
  footer: string;
  requestIdLabel: string;
  /** Leads into the link to the requester's page. */
  pageLink: string;
  reasonLabel: string;
  noReason: string;
  approval: {
    subject(model: string): string;
    heading: string;
    statement(model: string): Inline[];
    keyLabel: string;
    expiresOn(moment: string): string;
    gatewayLabel: string;
    safety: string;
    usage: string;
    withCurl: string;
    withPython: string;
    /** The chat message of the usage examples. */
    samplePrompt: string;
  };
  /** The approval of a renewal that extended the existing key: no key in the mail. */
  extension: {
    heading: string;
    /** `until`: the new expiry, formatted; null when the key no longer expires. `keyHint`: the
     * key's last four characters, when known. */
    statement(model: string, until: string | null, keyHint: string | null): Inline[];
    keepUsing: string;
  };
  denial: {
    subject(model: string): string;
    heading: string;
    statement(model: string): Inline[];
    closing: string;
  };
  revocation: {
    subject(model: string): string;
    heading: string;
    statement(model: string): Inline[];
    closing: string;
  };
  reminder: {
    subject(model: string, day: string): string;
    heading: string;
    statement(model: string, moment: string): Inline[];
    renewHere: string;
    explain: string;
  };
  /** "Here is the link to your request", after a POST found an existing request. */
  link: {
    subject(model: string): string;
    heading: string;
    statement(model: string): Inline[];
    linkHere: string;
    explain: string;
    notYou: string;
  };
}

const TEXTS: Record<MailLanguage, MailTexts> = { en: EN, de: DE, es: ES };

export function textsFor(language: MailLanguage): MailTexts {
  return TEXTS[language];
}
