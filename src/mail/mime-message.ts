import { randomUUID } from 'node:crypto';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import { encode, wrap } from 'nodemailer/lib/qp';
import type { MailMessage } from './mailer.js';

/** An address that goes into a header as it is: ASCII atoms, no name, nothing to quote or
 * encode. The service's own email rule (requests/email.ts) only lets such addresses in; a
 * record written by someone else may hold another kind. */
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$/;

/** A Message-ID as messageIdFor writes it: one token in angle brackets. */
const MESSAGE_ID = /^<[^\s<>]+@[^\s<>]+>$/;

/** Lines of a MIME message are at most 76 characters (RFC 2045). */
const LINE = 76;

/** The whole message as sent (RFC 5322, MIME multipart/alternative of the text and the HTML, each
 * quoted-printable in UTF-8), or null when an address or the Message-ID is not plain: the caller
 * then has nodemailer compose it.
 *
 * Why not always nodemailer's composer: it builds each message through a tree of streams, some
 * 230 KB of garbage and a millisecond or more of CPU per mail, most of a worker step's cost.
 * Our messages are always the same shape, so the same encoders (nodemailer's quoted-printable
 * and encoded-word functions) applied directly give the same bytes a mail client reads, at a
 * fraction of the cost. Header values are either plain addresses, the Message-ID our own code
 * builds, or the subject as encoded words: nothing a caller writes reaches a header unencoded. */
export function mimeMessage(message: MailMessage, from: string, date: Date): RawMail | null {
  if (
    ![from, ...message.to].every((address) => PLAIN_ADDRESS.test(address)) ||
    !MESSAGE_ID.test(message.messageId)
  ) {
    return null;
  }
  const sender = plainAddress(from);
  const recipients = message.to.map(plainAddress);
  // A random UUID (122 random bits) cannot occur in the parts by chance; randomUUID draws from a
  // buffer refilled every 128 ids, where randomBytes asked the kernel once per message.
  const boundary = `--_lkr_${randomUUID()}`;
  const subject = message.subject.replace(/[\r\n]+/g, ' ');
  const headers = [
    `From: ${sender}`,
    foldLines(`To: ${recipients.join(', ')}`, LINE),
    foldLines(`Subject: ${encodeWords(subject, 'Q', 52, true)}`, LINE),
    // Folded before the id (which has no space to fold at) when the line would be too long.
    `Message-ID:${message.messageId.length + 12 > LINE ? '\r\n' : ''} ${message.messageId}`,
    `Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ];
  const body = part(boundary, 'text/plain', message.text) + part(boundary, 'text/html', message.html);
  return { from: sender, to: recipients, raw: `${headers.join('\r\n')}\r\n\r\n${body}--${boundary}--\r\n` };
}

/** The envelope, and the message as it goes over the wire. */
export interface RawMail {
  from: string;
  to: string[];
  raw: string;
}

/** Domain names are case-insensitive: written in lower case, as nodemailer writes them. */
function plainAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}

function part(boundary: string, type: string, body: string): string {
  const encoded = wrap(encode(body.replace(/\r?\n/g, '\r\n')), LINE);
  return (
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\n` +
    `Content-Transfer-Encoding: quoted-printable\r\n\r\n${encoded}\r\n`
  );
}
