import type { SMTPPoolOptions } from 'nodemailer';
import type { AppConfig } from '../config/app-config.js';

export type SmtpSettings = AppConfig['smtp'];

/** How long each phase of a session may take. Defaults make a dead or black-holed server fail
 * in seconds (nodemailer's own defaults are 2 minutes to connect and 10 minutes of silence). */
export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = {
  connectionMs: 10_000,
  greetingMs: 10_000,
  socketMs: 30_000,
};

/** The port on which `useTls` means TLS from the first byte (RFC 8314 submissions). */
const IMPLICIT_TLS_PORT = 465;

export type TlsMode = 'implicit' | 'starttls' | 'plain';

/** docs/design.md, "SMTP TLS modes": implicit TLS on 465, required STARTTLS elsewhere;
 * `useTls: false` is plain. */
export function tlsModeFor(smtp: Pick<SmtpSettings, 'useTls' | 'port'>): TlsMode {
  if (!smtp.useTls) {
    return 'plain';
  }
  return smtp.port === IMPLICIT_TLS_PORT ? 'implicit' : 'starttls';
}

/** Options for nodemailer's pooled SMTP transport. Pure, so the TLS decision is unit-tested
 * without binding port 465. */
export function smtpTransportOptions(
  smtp: SmtpSettings,
  timeouts: SmtpTimeouts = DEFAULT_SMTP_TIMEOUTS,
): SMTPPoolOptions & { pool: true } {
  const mode = tlsModeFor(smtp);
  return {
    pool: true,
    // A few connections are plenty for notification volume and stay under typical per-client limits.
    maxConnections: 3,
    maxMessages: 100,
    // Close idle connections before most servers would drop them on their side.
    idleTimeout: 30_000,
    host: smtp.host,
    port: smtp.port,
    secure: mode === 'implicit',
    // requireTLS: a server that does not offer STARTTLS is an error, never a silent plain-text
    // session that would carry a minted key in the clear.
    requireTLS: mode === 'starttls',
    ignoreTLS: mode === 'plain',
    tls: smtp.verifySsl ? {} : { rejectUnauthorized: false },
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    dnsTimeout: timeouts.connectionMs,
    // Our messages never reference files or URLs; refuse them so content can never make the
    // process read a local file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    // nodemailer's own logger would print SMTP traffic; we log outcomes ourselves.
    logger: false,
    debug: false,
  };
}
