import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogMailer } from './log-mailer.js';
import { approvalMail } from './templates.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    lines,
    mailer: createLogMailer({ logger: pino({ level: 'info' }, stream), from: 'noreply@example.test' }),
  };
}

describe('createLogMailer', () => {
  it('logs the message as one info line, key masked, and reports success', async () => {
    const { lines, mailer } = capture();

    const result = await mailer.send({
      to: ['alice@example.test'],
      subject: 'API Key Approved for gpt-4o',
      text: 'Your key: sk-local-trial-key-0123456789',
      html: '<p>ignored</p>',
      messageId: '<req-1.approval.c1@llm-key-requestor>',
    });
    await mailer.close();

    expect(result).toEqual({ ok: true, value: undefined });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry.level).toBe(30);
    expect(entry.mail).toEqual({
      from: 'noreply@example.test',
      to: ['alice@example.test'],
      subject: 'API Key Approved for gpt-4o',
      messageId: '<req-1.approval.c1@llm-key-requestor>',
      text: 'Your key: sk-…6789',
    });
  });

  it('never prints a full key, wherever the approval mail repeats it', async () => {
    const { lines, mailer } = capture();
    const key = 'sk-Full-Key_0123456789abcdefWXYZ';
    const mail = approvalMail({
      requestId: 'req-1',
      cycle: 1,
      to: 'alice@example.test',
      model: 'gpt-4o',
      language: 'de',
      pageUrl: null,
      apiKey: key,
      gatewayUrl: 'https://llm.example.test',
      expiresAt: null,
    });

    await mailer.send(mail);

    const logged = lines.join('');
    expect(mail.text).toContain(key);
    expect(logged).not.toContain(key);
    expect(logged).not.toContain(key.slice(3, -4));
    expect(JSON.parse(lines[0] ?? '{}').mail.text).toContain("export LLM_API_KEY='sk-…WXYZ'");
  });
});
