import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Mailer, MailMessage } from '../src/mail/mailer.js';
import { createSmtpMailer, createTransportMailer } from '../src/mail/smtp-mailer.js';
import { type SmtpSettings, smtpTransportOptions } from '../src/mail/smtp-options.js';
import { approvalMail, denialMail } from '../src/mail/templates.js';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.js';

const PASSWORD = 'pw-Sup3r$ecret-smtp';
const API_KEY = 'sk-live-0123456789abcdef';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  // Mailers first: their pooled connections would otherwise hold the sinks open.
  const toClose = opened.splice(0).reverse();
  for (const item of toClose) {
    await item.close();
  }
});

/** A sink offering STARTTLS unless told otherwise, matching `settings()`'s required STARTTLS. */
async function sink(options?: Parameters<typeof startSmtpSink>[0]): Promise<SmtpSink> {
  const started = await startSmtpSink({ starttls: true, ...options });
  opened.push(started);
  return started;
}

function track(mailer: Mailer): Mailer {
  opened.push(mailer);
  return mailer;
}

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Required STARTTLS (use_tls off, start_tls on: the mode that works on any port), accepting
 * the sink's self-signed certificate. */
function settings(
  target: { host: string; port: number },
  overrides: Partial<SmtpSettings> = {},
): SmtpSettings {
  return {
    host: target.host,
    port: target.port,
    user: '',
    password: '',
    from: 'portal@example.test',
    useTls: false,
    startTls: true,
    verifySsl: false,
    ...overrides,
  };
}

function sample(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    to: ['alice@example.test'],
    subject: 'API Key Approved for gpt-4o',
    text: `Your key: ${API_KEY}`,
    html: `<p>Your key: <code>${API_KEY}</code></p>`,
    messageId: '<req-1.approval@llm-key-requestor>',
    ...overrides,
  };
}

describe('SMTP mailer: delivery', () => {
  it('delivers over STARTTLS with login, keeping subject, Message-ID, text and HTML intact', async () => {
    const server = await sink({ auth: { user: 'mailer', pass: PASSWORD } });
    const { logger } = captureLogs();
    const mailer = track(
      createSmtpMailer({ smtp: settings(server, { user: 'mailer', password: PASSWORD }), logger }),
    );

    const result = await mailer.send(sample());

    expect(result).toEqual({ ok: true, value: undefined });
    const got = await server.waitFor((m) => m.messageId === '<req-1.approval@llm-key-requestor>');
    expect(got.secure).toBe(true);
    expect(got.user).toBe('mailer');
    expect(got.subject).toBe('API Key Approved for gpt-4o');
    expect(got.headers['message-id']).toBe('<req-1.approval@llm-key-requestor>');
    expect(got.from).toBe('portal@example.test');
    expect(got.to).toEqual(['alice@example.test']);
    expect(got.envelope).toEqual({ mailFrom: 'portal@example.test', rcptTo: ['alice@example.test'] });
    expect(got.text.trim()).toBe(`Your key: ${API_KEY}`);
    expect(got.html).toBe(`<p>Your key: <code>${API_KEY}</code></p>`);
  });

  it('sends one message to several recipients', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    const result = await mailer.send(sample({ to: ['admin1@example.test', 'admin2@example.test'] }));

    expect(result).toEqual({ ok: true, value: undefined });
    const got = await server.waitForCount(1);
    expect(got[0]?.envelope.rcptTo).toEqual(['admin1@example.test', 'admin2@example.test']);
  });

  it('does not log in when no user is configured', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    expect(await mailer.send(sample())).toEqual({ ok: true, value: undefined });

    const [got] = await server.waitForCount(1);
    expect(got?.user).toBeNull();
    expect(server.authAttempts).toEqual([]);
  });

  it('uses STARTTLS when offered with use_tls and start_tls off', async () => {
    const server = await sink();
    const mailer = track(
      createSmtpMailer({ smtp: settings(server, { startTls: false }), logger: captureLogs().logger }),
    );

    expect(await mailer.send(sample())).toEqual({ ok: true, value: undefined });

    const [got] = await server.waitForCount(1);
    expect(got?.secure).toBe(true);
  });

  it('uses implicit TLS with the options computed for port 465', async () => {
    const server = await sink({ secure: true });
    const options = smtpTransportOptions(settings(server, { useTls: true, port: 465 }));
    expect(options.secure).toBe(true);
    const mailer = track(
      createTransportMailer({
        // Port 465 cannot be bound in a test: same options, pointed at the sink.
        transport: { ...options, port: server.port },
        from: 'portal@example.test',
        logger: captureLogs().logger,
        secrets: [],
      }),
    );

    expect(await mailer.send(sample())).toEqual({ ok: true, value: undefined });

    const [got] = await server.waitForCount(1);
    expect(got?.secure).toBe(true);
  });

  it('delivers many concurrent messages over the pool, each with its own Message-ID', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    const ids = Array.from({ length: 20 }, (_, i) => `<req-${i}.denial@llm-key-requestor>`);
    const results = await Promise.all(ids.map((messageId) => mailer.send(sample({ messageId }))));

    expect(results.every((r) => r.ok)).toBe(true);
    const got = await server.waitForCount(20);
    expect(got.map((m) => m.messageId).sort()).toEqual([...ids].sort());
  });
});

describe('SMTP mailer: templates on the wire', () => {
  it('escapes a hostile model id and reason in HTML and keeps them intact in text', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));
    const model = '<script>alert(1)</script>';
    const reason = `Budget & policy: "no" 'never' <b>`;

    const requester = { cycle: 1, to: 'bob@example.test', model, language: null, pageUrl: null };
    const approval = approvalMail({
      ...requester,
      requestId: 'req-9',
      apiKey: API_KEY,
      gatewayUrl: 'https://llm.example.test',
      expiresAt: null,
    });
    const denial = denialMail({ ...requester, requestId: 'req-10', reason });
    expect(await mailer.send(approval)).toEqual({ ok: true, value: undefined });
    expect(await mailer.send(denial)).toEqual({ ok: true, value: undefined });

    const gotApproval = await server.waitFor((m) => m.messageId === '<req-9.approval.c1@llm-key-requestor>');
    expect(gotApproval.subject).toBe(`API Key Approved for ${model}`);
    expect(gotApproval.html).not.toContain('<script>');
    expect(gotApproval.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(gotApproval.text).toContain(model);
    expect(gotApproval.text).toContain(API_KEY);
    expect(gotApproval.text).toContain('https://llm.example.test');

    const gotDenial = await server.waitFor((m) => m.messageId === '<req-10.denial.c1@llm-key-requestor>');
    expect(gotDenial.subject).toBe(`API Key Request Denied for ${model}`);
    expect(gotDenial.html).toContain('Budget &amp; policy: &quot;no&quot; &#39;never&#39; &lt;b&gt;');
    expect(gotDenial.html).not.toContain('<b>');
    expect(gotDenial.text).toContain(reason);
  });
});

describe('SMTP mailer: failures are results', () => {
  it('fails, without crashing, when verifySsl is on and the server certificate is self-signed', async () => {
    const server = await sink();
    const mailer = track(
      createSmtpMailer({ smtp: settings(server, { verifySsl: true }), logger: captureLogs().logger }),
    );

    const result = await mailer.send(sample());

    expect(result.ok).toBe(false);
    expect(result.ok === false && result.error.retry).toBe(true);
    expect(server.messages).toHaveLength(0);
  });

  it('fails on an implicit-TLS server with a self-signed certificate when verifySsl is on', async () => {
    const server = await sink({ secure: true });
    const options = smtpTransportOptions(settings(server, { useTls: true, port: 465, verifySsl: true }));
    const mailer = track(
      createTransportMailer({
        transport: { ...options, port: server.port },
        from: 'portal@example.test',
        logger: captureLogs().logger,
        secrets: [],
      }),
    );

    const result = await mailer.send(sample());

    expect(result.ok).toBe(false);
    expect(server.messages).toHaveLength(0);
  });

  it('refuses to send in plain text when STARTTLS is required but not offered', async () => {
    const server = await sink({ starttls: false });
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    const result = await mailer.send(sample());

    expect(result.ok).toBe(false);
    expect(server.messages).toHaveLength(0);
  });

  it('reports a wrong password without the password in the result or the logs', async () => {
    const server = await sink({ auth: { user: 'mailer', pass: 'the-right-one' } });
    const { logger, lines } = captureLogs();
    const mailer = track(
      createSmtpMailer({ smtp: settings(server, { user: 'mailer', password: PASSWORD }), logger }),
    );

    const result = await mailer.send(sample());

    expect(result.ok).toBe(false);
    if (result.ok) {
      return;
    }
    expect(result.error.message).toMatch(/EAUTH/);
    expect(server.authAttempts).toEqual([{ username: 'mailer', ok: false }]);
    const everything = `${result.error.message}\n${lines.join('')}`;
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(everything).not.toContain(API_KEY);
    expect(lines.join('')).toContain('mail not sent');
  });

  it('reports a server that is not listening as a retryable failure within seconds', async () => {
    const gone = await startSmtpSink();
    await gone.close();
    const mailer = track(createSmtpMailer({ smtp: settings(gone), logger: captureLogs().logger }));

    const started = Date.now();
    const result = await mailer.send(sample());

    expect(result).toMatchObject({ ok: false, error: { retry: true } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on a server that accepts the connection but never greets', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    opened.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) {
            s.destroy();
          }
          silent.close(() => resolve());
        }),
    });
    const { port } = silent.address() as AddressInfo;
    const mailer = track(
      createSmtpMailer({
        smtp: settings({ host: '127.0.0.1', port }),
        logger: captureLogs().logger,
        timeouts: { connectionMs: 2_000, greetingMs: 300, socketMs: 2_000 },
      }),
    );

    const started = Date.now();
    const result = await mailer.send(sample());

    expect(result).toMatchObject({ ok: false, error: { retry: true } });
    expect(result.ok === false && result.error.message).toMatch(/ETIMEDOUT/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('treats a temporary refusal as retryable and delivers once the server is back', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    server.setDown(451);
    const refused = await mailer.send(sample());
    expect(refused).toMatchObject({ ok: false, error: { retry: true } });
    expect(refused.ok === false && refused.error.message).toMatch(/451/);

    server.setDown(null);
    expect(await mailer.send(sample())).toEqual({ ok: true, value: undefined });
    await server.waitForCount(1);
  });

  it('sends a message over a fresh connection when the server dropped the pooled one before reading it', async () => {
    let drops = 0;
    const server = await sink({
      // The second message's MAIL FROM finds the connection the first one used gone.
      interfere: (stage) => {
        if (stage !== 'mail' || server.messages.length !== 1 || drops > 0) {
          return null;
        }
        drops++;
        return 'drop';
      },
    });
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    expect(await mailer.send(sample())).toEqual({ ok: true, value: undefined });
    const second = sample({ messageId: '<req-2.approval@llm-key-requestor>', text: 'the second' });
    expect(await mailer.send(second)).toEqual({ ok: true, value: undefined });

    expect(drops).toBe(1);
    expect(server.messages.map((message) => [message.messageId, message.text.trim()])).toEqual([
      ['<req-1.approval@llm-key-requestor>', `Your key: ${API_KEY}`],
      ['<req-2.approval@llm-key-requestor>', 'the second'],
    ]);
  });

  it('treats a 421 (service shutting down) as retryable', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    server.setDown(421);
    const refused = await mailer.send(sample());

    expect(refused).toMatchObject({ ok: false, error: { retry: true } });
    expect(server.messages).toHaveLength(0);
  });

  it('treats a permanent refusal of the message as not retryable', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    server.rejectNext(1, 554);
    const refused = await mailer.send(sample());

    expect(refused).toMatchObject({ ok: false, error: { retry: false } });
    expect(refused.ok === false && refused.error.message).not.toContain(API_KEY);
    expect(server.messages).toHaveLength(0);
  });

  it('refuses a message without recipients before talking to the server', async () => {
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));

    expect(await mailer.send(sample({ to: [] }))).toMatchObject({ ok: false, error: { retry: false } });
  });
});

describe('SMTP mailer: latency', () => {
  it('sends back-to-back messages without a Nagle/delayed-ACK stall per message', async () => {
    // With Nagle on, every message waits for the peer's delayed ACK: >= 40 ms each on Linux
    // loopback (measured 43-48 ms, ~21 msg/s). nodemailer 10 turns it off (setNoDelay), giving
    // 3-8 ms. The fastest of a series stays far below 40 ms even on a loaded machine.
    const server = await sink();
    const mailer = track(createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger }));
    expect(await mailer.send(sample({ messageId: '<warm-up.approval@llm-key-requestor>' }))).toEqual({
      ok: true,
      value: undefined,
    });

    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const result = await mailer.send(sample({ messageId: `<seq-${i}.approval@llm-key-requestor>` }));
      latencies.push(performance.now() - started);
      expect(result).toEqual({ ok: true, value: undefined });
    }

    expect(Math.min(...latencies)).toBeLessThan(35);
    await server.waitForCount(21);
  });
});

describe('SMTP mailer: close', () => {
  it('lets a send in flight finish and refuses sends after close', async () => {
    const server = await sink();
    const mailer = createSmtpMailer({ smtp: settings(server), logger: captureLogs().logger });

    const sending = mailer.send(sample());
    await mailer.close();

    expect(await sending).toEqual({ ok: true, value: undefined });
    expect(await mailer.send(sample())).toMatchObject({ ok: false, error: { retry: true } });
    await server.waitForCount(1);
  });
});
