import { Readable } from 'node:stream';
import type { SentMessageInfo, Transporter } from 'nodemailer';
import type MailMessage from 'nodemailer/lib/mailer/mail-message';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { RawMail } from './mime-message.js';

/** Hands a message built by `mimeMessage` to the pool's transport itself, as nodemailer's own
 * `sendMail` does once it has composed a message, without the composing: `sendMail` builds a
 * MailMessage and a MimeNode tree even for a `raw` message, and reads the raw text through a
 * chain of streams (some 8 % of the pipeline's CPU, docs/performance.md). The pool (queue,
 * connections, retries over a fresh connection, the abort signal) is nodemailer's as before.
 *
 * What a transport reads of the message it is given (nodemailer's transport contract: the
 * envelope, the Message-ID and the message stream of `mail.message`, the signal of
 * `mail.data`) is all there is: the headers are in the raw text. */
export function deliverRaw(
  transporter: Transporter<SentMessageInfo>,
  mail: RawMail & { messageId: string; signal: AbortSignal },
): Promise<SMTPPool.SentMessageInfo> {
  const envelope = { from: mail.from, to: mail.to };
  const message = {
    getEnvelope: () => envelope,
    messageId: () => mail.messageId,
    getHeader: (name: string) => (name.toLowerCase() === 'message-id' ? mail.messageId : undefined),
    // One chunk, read once; `Readable.from` would read it in object mode.
    createReadStream: () => Readable.from([Buffer.from(mail.raw)], { objectMode: false }),
  };
  const pool = transporter.transporter as SMTPPool;
  return new Promise((resolve, reject) => {
    // The transport's view of a MailMessage: see above; nothing else of it is read.
    const given = {
      data: { signal: mail.signal },
      message,
    } as unknown as MailMessage<SMTPPool.SentMessageInfo>;
    pool.send(given, (error, info) => {
      if (error || info === undefined) {
        reject(error ?? new Error('the mail transport answered neither an error nor a result'));
      } else {
        resolve(info);
      }
    });
  });
}
