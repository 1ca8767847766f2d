import { AppError } from '../shared/errors.js';
import { fail, ok, type Result } from '../shared/result.js';
import type { KeyRequest } from './request-types.js';

/** The one email rule of the service, shared by the API, the config, the CLI and both stores.
 * Deliberately stricter than RFC 5322: a key request needs a deliverable, plain
 * address, and anything exotic (quotes, comments, CR/LF) is a header-injection risk. */
export const MAX_EMAIL_LENGTH = 254;

const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Trimmed and lower-cased: the form the stores compare and store addresses in. Both stores
 * apply it on create and look-up (and the Kubernetes store when it reads a Secret the old
 * service wrote), so `Jane@Example.com` and `jane@example.com` are one requester. It does not
 * validate: stored addresses written by others are read as they are. Idempotent, and
 * `canonicalEmail` output passes through it unchanged. */
export function foldEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export interface CanonicalEmailOptions {
  /** `email.ignore_plus_tags`: `me+tag@x` and `me@x` are one requester. */
  ignorePlusTags: boolean;
}

/** The canonical address (docs/design.md, "Canonical address"): folded, and with
 * `ignorePlusTags` the `+tag` cut from the local part, so `Me+1@X.org` is `me@x.org`. Dedup,
 * request ids, the email-hash label, rate limits and LiteLLM's `user_id`/`key_alias` use it;
 * mails go to the address as typed (`notifyEmail`). A local part that starts with `+` is kept
 * whole: cutting it would leave nothing. */
export function canonicalEmail(raw: string, { ignorePlusTags }: CanonicalEmailOptions): string {
  const email = foldEmail(raw);
  if (!ignorePlusTags) {
    return email;
  }
  const at = email.lastIndexOf('@');
  const plus = email.indexOf('+');
  return plus > 0 && plus < at ? `${email.slice(0, plus)}${email.slice(at)}` : email;
}

/** The folded form of `raw` (`foldEmail`) if it is an address we accept; otherwise a
 * `validation` error whose message names the problem. */
export function normalizeEmail(raw: string): Result<string> {
  const email = foldEmail(raw);
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

/** Where every mail to the requester goes: the address as typed, else (records written before
 * it was kept) the canonical one. */
export function recipientOf(request: Pick<KeyRequest, 'email' | 'notifyEmail'>): string {
  return request.notifyEmail ?? request.email;
}
