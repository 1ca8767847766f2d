import type { Result } from '../shared/result.js';

/** A notification ready to hand to a mail server. Built by `templates.ts`. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Full Message-ID header value, angle brackets included (see `messageIdFor`). */
  messageId: string;
}

/** Port for outgoing mail. Adapters: smtp (`smtp-mailer.ts`) and log (`log-mailer.ts`), chosen at the root.
 *
 * Expected failures are results, not exceptions: the worker decides between retry and give-up.
 * The error's message is safe to log and store: it never contains the SMTP password or the mail
 * body (an approval body holds a freshly minted API key). `retry` is false only when sending the
 * same message again cannot help (see `describeSendError`). */
export interface Mailer {
  /** `timeoutMs` bounds this send, queueing included, below the mailer's own bound: the worker
   * passes what is left of its lease on the request, so a send never outlives the lease and a
   * replica that takes the request over cannot send the same mail while this one still is. */
  send(m: MailMessage, timeoutMs?: number): Promise<Result<void>>;
  /** Lets in-flight sends finish, then closes pooled connections. */
  close(): Promise<void>;
}
