import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import type { Mailer, MailMessage } from '../src/mail/mailer.js';
import { createSmtpMailer, createTransportMailer } from '../src/mail/smtp-mailer.js';
import { type SmtpSettings, type SmtpTimeouts, smtpTransportOptions } from '../src/mail/smtp-options.js';
import { type SelfSigned, selfSigned } from './support/self-signed.js';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.js';

/** The SMTP TLS modes of docs/design.md against real servers: one offering STARTTLS, one plain,
 * one speaking TLS from the first byte, all with a self-signed certificate made here. The
 * settings come through the config loader, as an operator writes them. */

const API_KEY = 'sk-tls-test-0123456789';
let dir: string;
let tls: SelfSigned;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lkr-smtp-tls-'));
  tls = await selfSigned(dir, 'smtp');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) {
    await item.close();
  }
});

type ServerKind = 'starttls' | 'plain' | 'implicit';

async function server(kind: ServerKind): Promise<SmtpSink> {
  const sink = await startSmtpSink({ tls, starttls: kind === 'starttls', secure: kind === 'implicit' });
  opened.push(sink);
  return sink;
}

/** The `smtp` settings an operator's YAML and environment produce, pointed at `target`. */
function settingsFor(target: SmtpSink, smtpYaml: string, env: Record<string, string> = {}): SmtpSettings {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `smtp: {host: 127.0.0.1, port: ${target.port}, from: portal@example.test, ${smtpYaml}}\n`,
  );
  return loadConfig({ env: { CONFIG_FILE: file, ...env }, cwd: dir }).smtp;
}

function mailerFor(smtp: SmtpSettings, timeouts?: SmtpTimeouts): { mailer: Mailer; warnings: string[] } {
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  const mailer = createSmtpMailer({ smtp, logger, ...(timeouts ? { timeouts } : {}) });
  opened.push(mailer);
  const warnings = lines
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((entry) => entry.level === 40)
    .map((entry) => entry.msg);
  return { mailer, warnings };
}

function approval(n: number): MailMessage {
  return {
    to: ['alice@example.test'],
    subject: 'API Key Approved for gpt-4o',
    text: `Your key: ${API_KEY}`,
    html: `<p>Your key: <code>${API_KEY}</code></p>`,
    messageId: `<tls-${n}.approval@llm-key-requestor>`,
  };
}

describe('use_tls false, start_tls true (the original service shipped this): STARTTLS, required', () => {
  it('delivers encrypted to a server that offers STARTTLS, certificate checks off', async () => {
    const sink = await server('starttls');
    const { mailer, warnings } = mailerFor(
      settingsFor(sink, 'use_tls: false, start_tls: true, verify_ssl: false'),
    );
    expect(await mailer.send(approval(1))).toEqual({ ok: true, value: undefined });
    const [got] = await sink.waitForCount(1);
    expect(got?.secure).toBe(true);
    expect(got?.text).toContain(API_KEY);
    expect(warnings).toEqual([expect.stringMatching(/not verified/)]);
  });

  it('sends nothing when the server does not offer STARTTLS', async () => {
    const sink = await server('plain');
    const { mailer, warnings } = mailerFor(
      settingsFor(sink, 'use_tls: false, verify_ssl: false', { SMTP_START_TLS: 'true' }),
    );
    const result = await mailer.send(approval(2));
    expect(result.ok === false && result.error.message).toMatch(/STARTTLS/);
    expect(sink.messages).toHaveLength(0);
    expect(warnings.join(' ')).not.toMatch(/clear text/);
  });

  it('sends nothing when the certificate is checked and not trusted', async () => {
    const sink = await server('starttls');
    const { mailer, warnings } = mailerFor(settingsFor(sink, 'use_tls: false, start_tls: true'));
    expect(warnings).toEqual([]);
    const result = await mailer.send(approval(3));
    expect(result).toMatchObject({ ok: false, error: { retry: true } });
    expect(result.ok === false && result.error.message).toMatch(/certificate/);
    expect(sink.messages).toHaveLength(0);
  });

  it('does not talk plain SMTP to a server that speaks TLS from the first byte', async () => {
    const sink = await server('implicit');
    const { mailer } = mailerFor(settingsFor(sink, 'use_tls: false, start_tls: true, verify_ssl: false'), {
      connectionMs: 2000,
      greetingMs: 300,
      socketMs: 2000,
    });
    expect((await mailer.send(approval(4))).ok).toBe(false);
    expect(sink.messages).toHaveLength(0);
  });
});

describe('use_tls true on a port other than 587 and 25 (the original service): implicit TLS', () => {
  it('delivers over TLS from the first byte, certificate checks off', async () => {
    const sink = await server('implicit');
    const { mailer } = mailerFor(settingsFor(sink, 'use_tls: true, verify_ssl: false'));
    expect(await mailer.send(approval(5))).toEqual({ ok: true, value: undefined });
    const [got] = await sink.waitForCount(1);
    expect(got?.secure).toBe(true);
  });

  it('sends nothing when the certificate is checked and not trusted', async () => {
    const sink = await server('implicit');
    const { mailer } = mailerFor(settingsFor(sink, 'use_tls: "yes"'));
    expect((await mailer.send(approval(6))).ok).toBe(false);
    expect(sink.messages).toHaveLength(0);
  });

  it('ignores start_tls: true, which the original refused to combine with use_tls', async () => {
    const sink = await server('implicit');
    const { mailer } = mailerFor(settingsFor(sink, 'use_tls: true, start_tls: true, verify_ssl: false'));
    expect(await mailer.send(approval(7))).toEqual({ ok: true, value: undefined });
    expect((await sink.waitForCount(1))[0]?.secure).toBe(true);
  });
});

describe('use_tls true on 587 or 25 (the earlier meaning): STARTTLS, required', () => {
  /** Port 587 cannot be bound in a test: the options computed for it, pointed at the sink. */
  function on587(sink: SmtpSink, verifySsl: boolean): Mailer {
    const options = smtpTransportOptions({ ...settingsFor(sink, 'use_tls: true'), port: 587, verifySsl });
    const mailer = createTransportMailer({
      transport: { ...options, port: sink.port },
      from: 'portal@example.test',
      logger: pino({ level: 'silent' }),
      secrets: [],
    });
    opened.push(mailer);
    return mailer;
  }

  it('delivers over STARTTLS, and refuses a server that does not offer it', async () => {
    const offering = await server('starttls');
    expect(await on587(offering, false).send(approval(8))).toEqual({ ok: true, value: undefined });
    expect((await offering.waitForCount(1))[0]?.secure).toBe(true);

    const plain = await server('plain');
    expect((await on587(plain, false).send(approval(9))).ok).toBe(false);
    expect(plain.messages).toHaveLength(0);
  });

  it('sends nothing when the certificate is checked and not trusted', async () => {
    const sink = await server('starttls');
    expect((await on587(sink, true).send(approval(10))).ok).toBe(false);
    expect(sink.messages).toHaveLength(0);
  });
});

describe('use_tls false and start_tls false or unset: STARTTLS when offered, with a warning', () => {
  it('warns at start-up that keys may travel in clear text', async () => {
    const sink = await server('plain');
    for (const yaml of [
      'use_tls: false',
      'use_tls: false, start_tls: false',
      'use_tls: off, start_tls: "no"',
    ]) {
      const { warnings } = mailerFor(settingsFor(sink, yaml));
      expect(
        warnings.find((warning) => /clear text/.test(warning)),
        yaml,
      ).toMatch(/API keys/);
    }
  });

  it('encrypts with STARTTLS when the server offers it', async () => {
    const sink = await server('starttls');
    const { mailer } = mailerFor(settingsFor(sink, 'use_tls: false, verify_ssl: false'));
    expect(await mailer.send(approval(11))).toEqual({ ok: true, value: undefined });
    expect((await sink.waitForCount(1))[0]?.secure).toBe(true);
  });

  it('does not fall back to plain text when an offered STARTTLS fails the certificate check', async () => {
    const sink = await server('starttls');
    const { mailer } = mailerFor(settingsFor(sink, 'use_tls: false, start_tls: false'));
    expect((await mailer.send(approval(12))).ok).toBe(false);
    expect(sink.messages).toHaveLength(0);
  });

  it('sends in plain text to a server that does not offer STARTTLS', async () => {
    const sink = await server('plain');
    const { mailer } = mailerFor(settingsFor(sink, 'use_tls: false'));
    expect(await mailer.send(approval(13))).toEqual({ ok: true, value: undefined });
    expect((await sink.waitForCount(1))[0]?.secure).toBe(false);
  });
});
