import type { NodemailerError } from 'nodemailer';
import { AppError, type ErrorCode } from '../shared/errors.js';
import { redact } from '../shared/redact.js';

/** Codes under which the server answered about this message or its recipients; with a permanent
 * (5xx) reply it will refuse the same message again. Every other failure (connection, timeout,
 * TLS, login, 4xx) is about the server or our configuration, so the message may go through later. */
const MESSAGE_REFUSED_CODES = new Set(['EENVELOPE', 'EMESSAGE']);
/** The message itself cannot be built or is out of bounds: sending it again fails the same way. */
const MESSAGE_INVALID_CODES = new Set(['EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS', 'ECONFIG']);

/** What each nodemailer code says about the server; any other code is an answer we could not use. */
const ERROR_CODES: Record<string, ErrorCode> = {
  ECONNECTION: 'unreachable',
  EDNS: 'unreachable',
  ESOCKET: 'unreachable',
  EPROXY: 'unreachable',
  ETIMEDOUT: 'timeout',
  // Our own send deadline (an AbortSignal) ends a send this way.
  EABORT: 'timeout',
  EAUTH: 'rejected',
  ENOAUTH: 'rejected',
  ETLS: 'rejected',
  EREQUIRETLS: 'rejected',
  EENVELOPE: 'rejected',
  EMESSAGE: 'rejected',
};

const MAX_MESSAGE_LENGTH = 300;

function isNodemailerError(err: unknown): err is NodemailerError {
  return err instanceof Error;
}

/** Only the verb of the command: `AUTH PLAIN <base64>` carries the credentials, `RCPT TO:<x>` an address. */
function commandVerb(command: string | undefined): string | null {
  if (!command) {
    return null;
  }
  const [verb = '', second = ''] = command
    .trim()
    .toUpperCase()
    .split(/[\s:]+/);
  if ((verb === 'MAIL' && second === 'FROM') || (verb === 'RCPT' && second === 'TO')) {
    return `${verb} ${second}`;
  }
  return /^[A-Z]{2,10}$/.test(verb) ? verb : null;
}

/** Every form in which a password could travel in an SMTP session: as is, AUTH LOGIN, AUTH PLAIN.
 * A server echoing part of an approval body is covered by `redact`'s key pattern. */
export function smtpSecretForms(secrets: readonly string[], user: string): string[] {
  return secrets
    .filter((secret) => secret !== '')
    .flatMap((secret) => [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(`\u0000${user}\u0000${secret}`).toString('base64'),
    ]);
}

/** Turns whatever nodemailer rejected with into a loggable, storable failure.
 * `secrets` (the SMTP password) are removed from the text in every encoding SMTP uses.
 * `retry` is false only when the server refused this message, its sender or its recipients
 * for good (a 5xx other than 503 at MAIL FROM, RCPT TO or DATA: 550, 552, 553, 554), or the
 * message cannot be sent at all; the worker gives those up after a bounded number of tries.
 * Everything else is retryable because the same message will go through once the server or
 * the configuration is fixed: a 4xx (421, 451, 452), a dropped connection, a timeout, TLS
 * and login problems. test/mail-failure-classes.test.ts pins each case against a real server. */
export function describeSendError(err: unknown, secrets: readonly string[], user = ''): AppError {
  const forms = smtpSecretForms(secrets, user);
  if (!isNodemailerError(err)) {
    return new AppError('internal', redact(`SMTP send failed: ${String(err)}`, forms), { retry: true });
  }
  const code = err.code ?? 'ERROR';
  const parts = [`SMTP ${code}`];
  if (err.responseCode) {
    parts.push(String(err.responseCode));
  }
  const verb = commandVerb(err.command);
  if (verb) {
    parts.push(`(${verb})`);
  }
  if (err.originalCode && err.originalCode !== code) {
    parts.push(`[${err.originalCode}]`);
  }
  const firstLine = (err.message.split(/\r?\n/)[0] ?? '').trim();
  const raw = `${parts.join(' ')}: ${firstLine}`;
  const message = redact(raw, forms).slice(0, MAX_MESSAGE_LENGTH);

  const refusedForGood = MESSAGE_REFUSED_CODES.has(code) && err.permanent === true;
  const invalid = MESSAGE_INVALID_CODES.has(code);
  return new AppError(invalid ? 'internal' : (ERROR_CODES[code] ?? 'bad-response'), message, {
    retry: !(refusedForGood || invalid),
  });
}
