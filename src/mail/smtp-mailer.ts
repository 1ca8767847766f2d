import { createTransport, type SMTPPoolOptions } from 'nodemailer';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { fail, ok, type Result } from '../shared/result.js';
import type { Mailer, MailMessage } from './mailer.js';
import { mimeMessage } from './mime-message.js';
import { deliverRaw } from './raw-delivery.js';
import { describeSendError } from './smtp-errors.js';
import {
  DEFAULT_SMTP_TIMEOUTS,
  type SmtpSettings,
  type SmtpTimeouts,
  smtpSecurityWarnings,
  smtpTransportOptions,
  TLS_MODE_TEXT,
  tlsModeFor,
} from './smtp-options.js';

export interface SmtpMailerDeps {
  smtp: SmtpSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Defaults to DEFAULT_SMTP_TIMEOUTS. */
  timeouts?: SmtpTimeouts;
}

export interface TransportMailerDeps {
  /** Options for nodemailer's pooled SMTP transport, normally `smtpTransportOptions(smtp)`. */
  transport: SMTPPoolOptions & { pool: true };
  from: string;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Values that must never show up in a result or a log line (the SMTP password). */
  secrets: string[];
  /** Upper bound for one send, queueing included. Socket timeouts do not catch a server that
   * trickles its replies; this does. */
  sendTimeoutMs?: number;
  /** How long `close()` waits for sends in flight before cutting their connections. */
  closeTimeoutMs?: number;
}

const DEFAULT_SEND_TIMEOUT_MS = 60_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** The SMTP adapter of the Mailer port, configured from `smtp` settings (docs/design.md, "SMTP TLS
 * modes"). Built at start-up, so a setting that may put keys on the wire in clear text is
 * logged then, before any mail goes out. */
export function createSmtpMailer(deps: SmtpMailerDeps): Mailer {
  const tls = TLS_MODE_TEXT[tlsModeFor(deps.smtp)];
  for (const warning of smtpSecurityWarnings(deps.smtp)) {
    deps.logger.warn({ smtp_host: deps.smtp.host, smtp_port: deps.smtp.port, tls }, warning);
  }
  return createTransportMailer({
    transport: smtpTransportOptions(deps.smtp, deps.timeouts ?? DEFAULT_SMTP_TIMEOUTS),
    from: deps.smtp.from,
    logger: deps.logger,
    secrets: [deps.smtp.password],
  });
}

/** A Mailer over explicit nodemailer pool options; `createSmtpMailer` is this plus the option
 * rules. Exposed so the sending path can run against a server on any port with any TLS mode. */
export function createTransportMailer(deps: TransportMailerDeps): Mailer {
  const transporter = createTransport(deps.transport);
  const user = deps.transport.auth?.user ?? '';
  const sendTimeoutMs = deps.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const closeTimeoutMs = deps.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const inFlight = new Set<Promise<Result<void>>>();
  let closing: Promise<void> | null = null;

  async function deliver(m: MailMessage): Promise<Result<void>> {
    // A timer of our own, cleared when the send ends: an AbortSignal.timeout would keep the
    // signal, nodemailer's listener on it and through that the whole message alive for the full
    // deadline after a send that took milliseconds (thousands of messages under load).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), sendTimeoutMs);
    try {
      const mail = mimeMessage(m, deps.from, new Date());
      const info =
        mail === null
          ? await transporter.sendMail({
              from: deps.from,
              to: m.to,
              subject: m.subject,
              text: m.text,
              html: m.html,
              messageId: m.messageId,
              signal: deadline.signal,
            })
          : await deliverRaw(transporter, { ...mail, messageId: m.messageId, signal: deadline.signal });
      if (info.rejected.length > 0) {
        // The server took the message for the other recipients; a resend would duplicate it for them.
        deps.logger.warn(
          { messageId: m.messageId, rejected: info.rejected.map(String) },
          'mail server refused some recipients',
        );
      }
      return ok(undefined);
    } catch (err) {
      const failure = describeSendError(err, deps.secrets, user);
      deps.logger.warn(
        { messageId: m.messageId, code: failure.code, retry: failure.retry, error: failure.message },
        'mail not sent',
      );
      return fail(failure);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    send(m: MailMessage): Promise<Result<void>> {
      if (closing) {
        // Shutting down: the worker sends it again after the restart.
        return Promise.resolve(fail(new AppError('unreachable', 'mailer is closed')));
      }
      if (m.to.length === 0) {
        return Promise.resolve(fail(new AppError('internal', 'mail has no recipients')));
      }
      const sending = deliver(m);
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
      return sending;
    },

    close(): Promise<void> {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), closeTimeoutMs);
        });
        const drained = Promise.allSettled([...inFlight]).then(() => 'drained' as const);
        const outcome = await Promise.race([drained, deadline]);
        clearTimeout(timer);
        // After the deadline a delivery is cut short: its send resolves as a retryable failure,
        // so the worker sends it again (same Message-ID) after the restart.
        transporter.close({ force: outcome === 'timeout' });
        await drained;
      })();
      return closing;
    },
  };
}
