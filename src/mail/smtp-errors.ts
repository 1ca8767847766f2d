import type { NodemailerError } from 'nodemailer';

export interface SendFailure {
  message: string;
  retryable: boolean;
}

/** Codes under which the server answered about this message or its recipients; with a permanent
 * (5xx) reply it will refuse the same message again. Every other failure (connection, timeout,
 * TLS, login, 4xx) is about the server or our configuration, so the message may go through later. */
const MESSAGE_REFUSED_CODES = new Set(['EENVELOPE', 'EMESSAGE']);
/** The message itself cannot be built or is out of bounds: sending it again fails the same way. */
const MESSAGE_INVALID_CODES = new Set(['EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS', 'ECONFIG']);

const MAX_MESSAGE_LENGTH = 300;
const REDACTED = '[redacted]';
/** LiteLLM keys look like `sk-…`; a server echoing part of an approval body must not leak one. */
const API_KEY_PATTERN = /sk-[A-Za-z0-9_-]{6,}/g;

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

/** Every form in which a password could travel in an SMTP session: as is, AUTH LOGIN, AUTH PLAIN. */
function secretForms(secrets: readonly string[], user: string): string[] {
  const forms: string[] = [];
  for (const secret of secrets) {
    if (secret === '') {
      continue;
    }
    forms.push(
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(`\u0000${user}\u0000${secret}`).toString('base64'),
    );
  }
  // Longest first so a secret that contains another is replaced whole.
  return forms.sort((a, b) => b.length - a.length);
}

export function redact(text: string, secrets: readonly string[], user = ''): string {
  let result = text;
  for (const form of secretForms(secrets, user)) {
    result = result.split(form).join(REDACTED);
  }
  return result.replace(API_KEY_PATTERN, `sk-${REDACTED}`);
}

/** Turns whatever nodemailer rejected with into a loggable, storable failure.
 * `secrets` (the SMTP password) are removed from the text in every encoding SMTP uses. */
export function describeSendError(err: unknown, secrets: readonly string[], user = ''): SendFailure {
  if (!isNodemailerError(err)) {
    return { message: redact(`SMTP send failed: ${String(err)}`, secrets, user), retryable: true };
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
  const message = redact(raw, secrets, user).slice(0, MAX_MESSAGE_LENGTH);

  const refusedForGood = MESSAGE_REFUSED_CODES.has(code) && err.permanent === true;
  return { message, retryable: !(refusedForGood || MESSAGE_INVALID_CODES.has(code)) };
}
