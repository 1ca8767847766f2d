import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Mailer, MailMessage } from '../src/mail/mailer.js';
import { createTransportMailer } from '../src/mail/smtp-mailer.js';

/** What the worker does with a failed notification depends on one flag: `retry: false` is a
 * permanent refusal (a 5xx about this message or its recipient), given up after a bounded
 * number of tries; `retry: true` (4xx, a dropped connection, a timeout) waits and tries again.
 * These tests pin that split against a real SMTP server answering each way. */

type Stage = 'connect' | 'mail' | 'rcpt' | 'data';
/** A reply code, 'drop' (the server cuts the connection) or 'silent' (it never answers). */
type Behaviour = number | 'drop' | 'silent';

interface RefusingServer {
  port: number;
  accepted: number;
  close(): Promise<void>;
}

const KEY = 'sk-failure-class-key-0123456789';
const opened: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const item of opened.splice(0).reverse()) {
    await item.close();
  }
});

function refusal(code: number): Error & { responseCode: number } {
  return Object.assign(new Error(`Refused by the test server (${code})`), { responseCode: code });
}

/** An SMTP server on 127.0.0.1 that behaves as told at one stage of the session and accepts
 * everything else. */
async function refusingServer(stage: Stage, behaviour: Behaviour): Promise<RefusingServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const at = (here: Stage, callback: (err?: Error | null) => void, next: () => void): void => {
    if (here !== stage) {
      next();
    } else if (behaviour === 'drop') {
      for (const socket of sockets) {
        socket.destroy();
      }
    } else if (behaviour !== 'silent') {
      callback(refusal(behaviour));
    }
  };
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    closeTimeout: 200,
    onConnect: (_session, callback) => at('connect', callback, () => callback()),
    onMailFrom: (_address, _session, callback) => at('mail', callback, () => callback()),
    onRcptTo: (_address, _session, callback) => at('rcpt', callback, () => callback()),
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () =>
        at('data', callback, () => {
          accepted++;
          callback();
        }),
      );
    },
  });
  server.on('error', () => undefined);
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const handle = {
    port,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
  opened.push(handle);
  return handle;
}

function mailer(port: number, sendTimeoutMs = 5_000): Mailer {
  const created = createTransportMailer({
    transport: {
      pool: true,
      host: '127.0.0.1',
      port,
      secure: false,
      ignoreTLS: true,
      connectionTimeout: 2_000,
      greetingTimeout: 2_000,
      socketTimeout: 5_000,
    },
    from: 'portal@example.test',
    logger: pino({ level: 'silent' }),
    secrets: [],
    sendTimeoutMs,
    closeTimeoutMs: 500,
  });
  opened.push(created);
  return created;
}

const message: MailMessage = {
  to: ['alice@example.test'],
  subject: 'API Key Approved for gpt-4o',
  text: `Your key: ${KEY}`,
  html: `<p>${KEY}</p>`,
  messageId: '<req-1.approval.c1@llm-key-requestor>',
};

async function failureOf(port: number, sendTimeoutMs?: number) {
  const result = await mailer(port, sendTimeoutMs).send(message);
  if (result.ok) {
    throw new Error('expected the send to fail');
  }
  expect(result.error.message).not.toContain(KEY);
  return result.error;
}

describe('SMTP failure classes: a permanent refusal is not retried', () => {
  it.each([
    ['rcpt', 550, 'mailbox unavailable'],
    ['rcpt', 553, 'mailbox name not allowed'],
    ['data', 552, 'message too large'],
    ['data', 554, 'transaction failed'],
    ['mail', 550, 'sender refused'],
  ] as const)('%s answered %i (%s)', async (stage, code, _meaning) => {
    const server = await refusingServer(stage, code);

    const error = await failureOf(server.port);

    expect(error.retry).toBe(false);
    expect(error.code).toBe('rejected');
    expect(error.message).toContain(String(code));
    expect(server.accepted).toBe(0);
  });
});

describe('SMTP failure classes: a temporary failure is retried', () => {
  it.each([
    ['mail', 421, 'service shutting down'],
    ['rcpt', 421, 'service shutting down'],
    ['mail', 451, 'local error'],
    ['rcpt', 451, 'greylisted'],
    ['rcpt', 452, 'mailbox full'],
    ['data', 451, 'local error'],
    ['connect', 421, 'too busy'],
  ] as const)('%s answered %i (%s)', async (stage, code, _meaning) => {
    const server = await refusingServer(stage, code);

    const error = await failureOf(server.port);

    expect(error.retry).toBe(true);
    expect(error.message).toContain(String(code));
  });

  it.each(['connect', 'mail', 'rcpt', 'data'] as const)(
    'the server drops the connection at %s',
    async (stage) => {
      const server = await refusingServer(stage, 'drop');

      const error = await failureOf(server.port);

      expect(error.retry).toBe(true);
      expect(error.code).toBe('unreachable');
    },
  );

  it('the server never answers the end of the data', async () => {
    const server = await refusingServer('data', 'silent');
    const started = Date.now();

    const error = await failureOf(server.port, 500);

    expect(error).toMatchObject({ code: 'timeout', retry: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a send is cut short at the bound its caller gives, below the mailer bound', async () => {
    const server = await refusingServer('data', 'silent');
    const started = Date.now();

    // The worker passes what is left of its lease; the mailer's own bound here is 60 s.
    const result = await mailer(server.port, 60_000).send(message, 500);

    expect(result.ok).toBe(false);
    expect(result.ok ? null : result.error).toMatchObject({ code: 'timeout', retry: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('nothing listens on the port', async () => {
    const server = await refusingServer('data', 250);
    await server.close();

    const error = await failureOf(server.port);

    expect(error).toMatchObject({ code: 'unreachable', retry: true });
  });
});
