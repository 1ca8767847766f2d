/** The languages requester mails are written in; anything else gets English. */
export const MAIL_LANGUAGES = ['en', 'de', 'es'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

/** The mail language for a request's `language`: its primary subtag (`de-AT` → `de`) when
 * that is one we write, else English (unknown, absent, or a language we do not have). */
export function mailLanguage(value: string | null | undefined): MailLanguage {
  const primary = (value ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (MAIL_LANGUAGES as readonly string[]).includes(primary) ? (primary as MailLanguage) : 'en';
}

/** Times are shown in UTC and say so: the service does not know the reader's time zone. */
const DAY: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' };
const MOMENT: Intl.DateTimeFormatOptions = {
  ...DAY,
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
};

/** Built once per language: constructing a DateTimeFormat costs far more than formatting. */
const DAY_FORMATS = formatsFor(DAY);
const MOMENT_FORMATS = formatsFor(MOMENT);

function formatsFor(options: Intl.DateTimeFormatOptions): Record<MailLanguage, Intl.DateTimeFormat> {
  return Object.fromEntries(
    MAIL_LANGUAGES.map((language) => [language, new Intl.DateTimeFormat(language, options)]),
  ) as Record<MailLanguage, Intl.DateTimeFormat>;
}

function instant(iso: string): Date {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    // The stores only hold timestamps they wrote: anything else is a bug, not input.
    throw new Error(`not a timestamp: ${JSON.stringify(iso)}`);
  }
  return date;
}

/** The day of `iso` as the mail's language writes it: "June 5, 2025", "5. Juni 2025". */
export function formatDay(iso: string, language: MailLanguage): string {
  return DAY_FORMATS[language].format(instant(iso));
}

/** Day and time of `iso`, in UTC: "June 5, 2025 at 2:30 PM UTC", "5. Juni 2025 um 14:30 UTC". */
export function formatMoment(iso: string, language: MailLanguage): string {
  return MOMENT_FORMATS[language].format(instant(iso));
}
