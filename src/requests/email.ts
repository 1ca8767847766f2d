import { AppError } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';

/** The one email rule of the service, shared by the API, the config, the CLI and both stores.
 * Deliberately stricter than RFC 5322: a key request needs a deliverable, plain
 * address, and anything exotic (quotes, comments, CR/LF) is a header-injection risk. */
export const MAX_EMAIL_LENGTH = 254;

const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The canonical form requests are stored and looked up under: trimmed and lower-cased.
 * Both stores apply it on create and look-up (and the Kubernetes store when it reads a
 * Secret the old service wrote), so `Jane@Example.com` and `jane@example.com` are one
 * requester. It does not validate: stored addresses written by others are read as they are. */
export function canonicalEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** The canonical form of `raw` if it is an address we accept; otherwise a `validation`
 * error whose message names the problem. */
export function normalizeEmail(raw: string): Result<string> {
  const email = canonicalEmail(raw);
  const problem = emailProblem(email);
  return problem === null ? ok(email) : fail(new AppError('validation', problem));
}

function emailProblem(email: string): string | null {
  if (email === '') {
    return 'email must not be empty';
  }
  if (email.length > MAX_EMAIL_LENGTH) {
    return `email must be at most ${MAX_EMAIL_LENGTH} characters`;
  }
  if (/\s/.test(email)) {
    return 'email must not contain spaces or line breaks';
  }
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) {
    return 'email must be of the form name@domain';
  }
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) {
    return 'email has an invalid part before the @';
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || /^\d+$/.test(labels.at(-1) ?? '')) {
    return 'email domain must be a valid domain name with a dot, e.g. example.com';
  }
  return null;
}
