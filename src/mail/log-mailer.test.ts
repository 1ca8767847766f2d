import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogMailer } from './log-mailer.js';

describe('createLogMailer', () => {
  it('logs the whole message as one info line and reports success', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const mailer = createLogMailer({ logger: pino({ level: 'info' }, stream), from: 'noreply@example.test' });

    const result = await mailer.send({
      to: ['alice@example.test'],
      subject: 'API Key Approved for gpt-4o',
      text: 'Your key: sk-local-trial-key',
      html: '<p>ignored</p>',
      messageId: '<req-1.approval@llm-key-requestor>',
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
      messageId: '<req-1.approval@llm-key-requestor>',
      text: 'Your key: sk-local-trial-key',
    });
  });
});
