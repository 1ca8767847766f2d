/** The one email rule of the service, shared by the API, the config and the CLI.
 * Deliberately stricter than RFC 5322: a key request needs a deliverable, plain
 * address, and anything exotic (quotes, comments, CR/LF) is a header-injection risk. */
export const MAX_EMAIL_LENGTH = 254;

const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export type EmailCheck = { ok: true; email: string } | { ok: false; problem: string };

/** Trims and lower-cases, then checks. */
export function normalizeEmail(raw: string): EmailCheck {
  const email = raw.trim().toLowerCase();
  if (email === '') {
    return { ok: false, problem: 'email must not be empty' };
  }
  if (email.length > MAX_EMAIL_LENGTH) {
    return { ok: false, problem: `email must be at most ${MAX_EMAIL_LENGTH} characters` };
  }
  if (/\s/.test(email)) {
    return { ok: false, problem: 'email must not contain spaces or line breaks' };
  }
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) {
    return { ok: false, problem: 'email must be of the form name@domain' };
  }
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) {
    return { ok: false, problem: 'email has an invalid part before the @' };
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || /^\d+$/.test(labels.at(-1) ?? '')) {
    return { ok: false, problem: 'email domain must be a valid domain name with a dot, e.g. example.com' };
  }
  return { ok: true, email };
}
