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

/** The submission ports on which `use_tls: true` kept the seed's meaning, STARTTLS; on any
 * other port it has the original service's meaning, TLS from the first byte. */
const STARTTLS_PORTS: readonly number[] = [587, 25];

/** `starttls`: plain connect, then STARTTLS, required. `opportunistic`: STARTTLS when the
 * server offers it, else plain text. */
export type TlsMode = 'implicit' | 'starttls' | 'opportunistic';

/** docs/design.md, "SMTP TLS modes". Both services' meanings are kept, and nothing is sent in
 * clear text where either of them encrypted:
 *
 * | use_tls | start_tls      | port      | mode          |
 * |---------|----------------|-----------|---------------|
 * | true    | any            | 587 or 25 | starttls      |
 * | true    | any            | other     | implicit      |
 * | false   | true           | any       | starttls      |
 * | false   | false or unset | any       | opportunistic |
 */
export function tlsModeFor(smtp: Pick<SmtpSettings, 'useTls' | 'startTls' | 'port'>): TlsMode {
  if (smtp.useTls) {
    return STARTTLS_PORTS.includes(smtp.port) ? 'starttls' : 'implicit';
  }
  return smtp.startTls === true ? 'starttls' : 'opportunistic';
}

/** How each mode reads in check-config and the start-up log. */
export const TLS_MODE_TEXT: Record<TlsMode, string> = {
  implicit: 'implicit TLS',
  starttls: 'STARTTLS, required',
  opportunistic: 'STARTTLS when offered, else plain text',
};

/** What an operator must hear at start-up about these settings: every way a minted key (or the
 * SMTP password) could be read on the wire. Empty when the settings are safe. */
export function smtpSecurityWarnings(
  smtp: Pick<SmtpSettings, 'useTls' | 'startTls' | 'port' | 'verifySsl' | 'user'>,
): string[] {
  const warnings: string[] = [];
  if (tlsModeFor(smtp) === 'opportunistic') {
    warnings.push(
      'SMTP may send in clear text: with use_tls and start_tls off, STARTTLS is used only when the ' +
        'server offers it, so approval mails (which carry API keys)' +
        (smtp.user ? ' and the SMTP password' : '') +
        ' travel unencrypted to a server that does not, or through anyone who strips the offer. ' +
        'Set smtp.start_tls: true (SMTP_START_TLS=true) to require encryption.',
    );
  }
  if (!smtp.verifySsl) {
    warnings.push(
      'SMTP certificates are not verified (verify_ssl: false): anyone between this service and the ' +
        "mail server can read the API keys it mails. Trust the server's CA instead (see docs/kubernetes.md).",
    );
  }
  return warnings;
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
    // A connection carries one message at a time (a few round trips each), and a mail holds a
    // worker slot until the server accepts it: under a burst of approvals 3 connections made the
    // worker wait for mail (docs/performance.md). 5 stays under typical per-client limits.
    maxConnections: 5,
    maxMessages: 100,
    // Close idle connections before most servers would drop them on their side.
    idleTimeout: 30_000,
    host: smtp.host,
    port: smtp.port,
    secure: mode === 'implicit',
    // requireTLS: a server that does not offer STARTTLS is an error, never a silent plain-text
    // session that would carry a minted key in the clear. Opportunistic is nodemailer's default:
    // STARTTLS when offered; a failed handshake is an error, not a fall-back to plain text.
    requireTLS: mode === 'starttls',
    ignoreTLS: false,
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
