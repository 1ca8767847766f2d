import { SMTPServer } from 'smtp-server';
import { listenOnLoopback } from '../test/support/smtp-sink.js';

/** What the bench needs of one accepted message: who it went to, what it is, and the key in it. */
export interface BenchMail {
  rcptTo: string[];
  /** The Subject header as transmitted (unfolded; an encoded word stays encoded). */
  subject: string;
  /** Message-ID header, angle brackets included; null when there is none. */
  messageId: string | null;
  /** The first `sk-` token of the body, quoted-printable soft breaks removed; null when none. */
  key: string | null;
}

export interface BenchMailSink {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** A LiteLLM virtual key as the product makes them: `sk-` and URL-safe characters, none of
 * which quoted-printable encodes. */
const KEY = /sk-[A-Za-z0-9_-]{8,}/;

/** The bench's SMTP server: a real one (`smtp-server`: the protocol, dot-unstuffing, pipelining,
 * a 250 per message), but it reads only the few headers the bench checks instead of parsing
 * every message with mailparser like test/support/smtp-sink.ts. That sink's parse ran in the
 * bench's own process and took the CPU from the product it measures (the two share 2 cores)
 * and queued the mails behind it: what the time-to-key case measured was partly the sink.
 * `onMessage` runs before the server answers 250, so a mail's time is still when the server
 * accepted it. */
export async function startBenchMailSink(onMessage: (mail: BenchMail) => void): Promise<BenchMailSink> {
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        try {
          onMessage(
            readMail(
              Buffer.concat(chunks).toString('utf8'),
              session.envelope.rcptTo.map((r) => r.address),
            ),
          );
          callback();
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
  });
  // A client hanging up mid-message surfaces as an 'error' event; unheard it would crash the bench.
  server.on('error', () => undefined);
  const port = await listenOnLoopback(server);
  let closed: Promise<void> | null = null;
  return {
    host: '127.0.0.1',
    port,
    close() {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    },
  };
}

/** The headers the bench checks and the key, from the message as transmitted. */
export function readMail(raw: string, rcptTo: string[]): BenchMail {
  const end = raw.indexOf('\r\n\r\n');
  const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const body = end < 0 ? '' : raw.slice(end + 4).replace(/=\r\n/g, '');
  const header = (name: string): string | null => {
    const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
    return match?.[1]?.trim() ?? null;
  };
  return {
    rcptTo,
    subject: header('Subject') ?? '',
    messageId: header('Message-ID'),
    key: KEY.exec(body)?.[0] ?? null,
  };
}
