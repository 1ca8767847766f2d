/** A notification ready to hand to a mail server. Built by `templates.ts`. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Full Message-ID header value, angle brackets included (see `messageIdFor`). */
  messageId: string;
}

/** Expected failures are results, not exceptions: the worker decides between retry and give-up.
 * `message` is safe to log and store: it never contains the SMTP password or the mail body
 * (an approval body holds a freshly minted API key).
 * `retryable` is false only when the server refused this message or its recipients for good;
 * connection, timeout, TLS and login problems are retryable because the same message will
 * go through once the server or the configuration is fixed. */
export type SendResult = { ok: true } | { ok: false; message: string; retryable: boolean };

/** Port for outgoing mail. Adapters: smtp (`smtp-mailer.ts`) and log (`log-mailer.ts`), chosen at the root. */
export interface Mailer {
  send(m: MailMessage): Promise<SendResult>;
  /** Lets in-flight sends finish, then closes pooled connections. */
  close(): Promise<void>;
}
