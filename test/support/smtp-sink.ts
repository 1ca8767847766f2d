import type { AddressInfo, Socket } from 'node:net';
import { type AddressObject, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

/** One message the sink accepted, parsed with mailparser. */
export interface ReceivedMail {
  envelope: { mailFrom: string | null; rcptTo: string[] };
  /** Address of the From header. */
  from: string | null;
  /** Addresses of the To header(s). */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Message-ID header, angle brackets included. */
  messageId: string | null;
  /** Header values by lower-cased name (first occurrence, unfolded). */
  headers: Record<string, string>;
  /** The message as transmitted, headers and MIME-encoded body. */
  raw: string;
  /** Whether the session was encrypted (implicit TLS or STARTTLS) when the message came in. */
  secure: boolean;
  /** User the client logged in as, null without AUTH. */
  user: string | null;
}

export interface AuthAttempt {
  username: string;
  ok: boolean;
}

/** Where `interfere` is asked: at MAIL FROM, or once the message data has arrived (before the
 * sink records it and answers). */
export type SmtpStage = 'mail' | 'data';
/** Instead of going on: refuse with this reply code (421, 451: temporary; 550: permanent), or
 * drop the connection without an answer. */
export type SmtpInterference = { code: number } | 'drop';

export interface SmtpSinkOptions {
  /** Require AUTH with these credentials. Without it the sink takes mail from anyone. */
  auth?: { user: string; pass: string };
  /** Implicit TLS: TLS from the first byte, like port 465. */
  secure?: boolean;
  /** Offer STARTTLS on a plain listener. Default false: a plain server, like a mail catcher. */
  starttls?: boolean;
  /** Called with each accepted message as it is recorded, before the server answers 250: for
   * callers that time arrivals (the benchmarks) and cannot afford the polling of `waitFor`. */
  onMessage?: (mail: ReceivedMail) => void;
  /** PEM certificate and key for TLS (both modes); default smtp-server's built-in one. */
  tls?: { cert: string; key: string };
  /** Asked at each stage of each message, after the built-in refusals (`setDown`, `rejectNext`,
   * `refuseRecipient`): null lets the message go on. A refused or dropped message is not recorded
   * and counts in `rejectedCount`. For fault injection (test/faults). */
  interfere?: (stage: SmtpStage) => SmtpInterference | null;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** Accepted messages in arrival order. */
  readonly messages: readonly ReceivedMail[];
  readonly authAttempts: readonly AuthAttempt[];
  /** Connection-level errors the server reported (e.g. a client aborting the TLS handshake). */
  readonly errors: readonly Error[];
  /** Messages refused by `setDown` or `rejectNext`. */
  readonly rejectedCount: number;
  /** Refuse every message at MAIL FROM with `code` (e.g. 421 or 451) until called with null. */
  setDown(code: number | null): void;
  /** Refuse the next `n` messages after their data was received (default 451, temporary). */
  rejectNext(n: number, code?: number): void;
  /** Refuse `address` (any case) at RCPT TO with `code` (e.g. 550, no such mailbox: a permanent
   * refusal) until called with null. */
  refuseRecipient(address: string, code: number | null): void;
  /** Resolves with the first accepted message matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Resolves once at least `count` messages were accepted. */
  waitForCount(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

const POLL_MS = 10;
const DEFAULT_WAIT_MS = 5_000;

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((obj) => obj.value.map((a) => a.address ?? '')).filter((a) => a !== '');
}

function headerMap(lines: ReadonlyArray<{ key: string; line: string }>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of lines) {
    if (key in headers) {
      continue;
    }
    const colon = line.indexOf(':');
    headers[key] = line
      .slice(colon + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
  }
  return headers;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

async function pollUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) {
      return found;
    }
    if (Date.now() >= deadline) {
      throw new Error(`smtp-sink: timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Starts `server` on 127.0.0.1 with a port of the system's choosing, which it returns. */
export async function listenOnLoopback(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  return (server.server.address() as AddressInfo).port;
}

/** A real SMTP server on 127.0.0.1 (random port) that records what it receives.
 * TLS uses `options.tls`, else smtp-server's built-in self-signed localhost certificate
 * (expired, published key): clients must connect with `verifySsl: false`, and `verifySsl: true`
 * must fail against either. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const authAttempts: AuthAttempt[] = [];
  let downCode: number | null = null;
  let rejectRemaining = 0;
  let rejectCode = 451;
  let rejectedCount = 0;
  const refusedRecipients = new Map<string, number>();
  const auth = options.auth;
  const starttls = options.starttls ?? false;
  /** Open client connections by the client's port, so `interfere` can drop one. */
  const sockets = new Map<number, Socket>();

  /** Applies `interfere` for `stage`; true when it refused or dropped the message (the
   * callback is answered, or never will be: the connection is gone). */
  function interfered(
    stage: SmtpStage,
    session: SMTPServerSession,
    callback: (error?: Error | null) => void,
  ): boolean {
    const interference = options.interfere?.(stage) ?? null;
    if (interference === null) {
      return false;
    }
    rejectedCount++;
    if (interference === 'drop') {
      sockets.get(session.remotePort)?.destroy();
    } else {
      callback(smtpError(interference.code, `Refused by test sink at ${stage}`));
    }
    return true;
  }

  const server = new SMTPServer({
    secure: options.secure ?? false,
    ...(options.tls ?? {}),
    // The built-in certificate: smtp-server would warn about it on stderr unless logging is off.
    logger: false,
    authOptional: auth === undefined,
    disabledCommands: [...(auth === undefined ? ['AUTH'] : []), ...(starttls ? [] : ['STARTTLS'])],
    // Lets a test log in on a listener without TLS; the mailer decides whether that is allowed.
    allowInsecureAuth: true,
    closeTimeout: 500,
    onAuth(attempt, _session, callback) {
      const ok = auth !== undefined && attempt.username === auth.user && attempt.password === auth.pass;
      authAttempts.push({ username: attempt.username ?? '', ok });
      if (!ok) {
        callback(smtpError(535, 'Authentication credentials invalid'));
        return;
      }
      callback(null, { user: attempt.username });
    },
    onMailFrom(_address: SMTPServerAddress, session: SMTPServerSession, callback) {
      if (downCode !== null) {
        rejectedCount++;
        callback(smtpError(downCode, 'Service temporarily unavailable'));
        return;
      }
      if (interfered('mail', session, callback)) {
        return;
      }
      callback();
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback) {
      const code = refusedRecipients.get(address.address.toLowerCase());
      if (code !== undefined) {
        rejectedCount++;
        callback(smtpError(code, `Recipient ${address.address} refused by test sink`));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then(async (raw) => {
          if (rejectRemaining > 0) {
            rejectRemaining--;
            rejectedCount++;
            callback(smtpError(rejectCode, 'Message refused by test sink'));
            return;
          }
          if (interfered('data', session, callback)) {
            return;
          }
          const parsed = await simpleParser(raw);
          const envelope = session.envelope;
          const mail: ReceivedMail = {
            envelope: {
              mailFrom: envelope.mailFrom === false ? null : envelope.mailFrom.address,
              rcptTo: envelope.rcptTo.map((r) => r.address),
            },
            from: addresses(parsed.from)[0] ?? null,
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? null,
            headers: headerMap(parsed.headerLines),
            raw: raw.toString('utf8'),
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : null,
          };
          messages.push(mail);
          options.onMessage?.(mail);
          callback();
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    },
  });

  // Clients that hang up mid-handshake (a refused certificate) surface as server 'error' events;
  // unheard they would crash the test process.
  const errors: Error[] = [];
  server.on('error', (err: Error) => {
    errors.push(err);
  });
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort;
    if (port !== undefined) {
      sockets.set(port, socket);
      socket.once('close', () => sockets.delete(port));
    }
  });

  const port = await listenOnLoopback(server);

  let closed: Promise<void> | null = null;
  return {
    host: '127.0.0.1',
    port,
    messages,
    authAttempts,
    errors,
    get rejectedCount() {
      return rejectedCount;
    },
    setDown(code) {
      downCode = code;
    },
    rejectNext(n, code = 451) {
      rejectRemaining = n;
      rejectCode = code;
    },
    refuseRecipient(address, code) {
      if (code === null) {
        refusedRecipients.delete(address.toLowerCase());
      } else {
        refusedRecipients.set(address.toLowerCase(), code);
      }
    },
    waitFor(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      return pollUntil(() => messages.find(predicate), timeoutMs, 'a matching message');
    },
    waitForCount(count, timeoutMs = DEFAULT_WAIT_MS) {
      return pollUntil(
        () => (messages.length >= count ? [...messages] : undefined),
        timeoutMs,
        `${count} messages (have ${messages.length})`,
      );
    },
    close() {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    },
  };
}
