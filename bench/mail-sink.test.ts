import { describe, expect, it } from 'vitest';
import { mimeMessage } from '../src/mail/mime-message.js';
import { readMail } from './mail-sink.js';

describe('readMail', () => {
  it('reads the subject, the Message-ID and a key that quoted-printable broke across lines', () => {
    const key = `sk-${'A1b2_C3-'.repeat(6)}`;
    const mail = mimeMessage(
      {
        to: ['someone@example.com'],
        subject: 'API Key Approved for ollama/llama3.1',
        // The key starts at column 70, so the 76-character lines split it.
        text: `${'x'.repeat(70)}${key} is yours`,
        html: `<p>${key}</p>`,
        messageId: '<abc.123@lkr.example>',
      },
      'portal@example.com',
      new Date(0),
    );
    expect(mail?.raw).toContain('=\r\n');
    const read = readMail(mail?.raw ?? '', ['someone@example.com']);
    expect(read).toEqual({
      rcptTo: ['someone@example.com'],
      subject: 'API Key Approved for ollama/llama3.1',
      messageId: '<abc.123@lkr.example>',
      key,
    });
  });

  it('finds no key and no Message-ID where there are none', () => {
    const read = readMail('Subject: hello\r\n\r\nno key here\r\n', ['a@example.com']);
    expect(read.key).toBeNull();
    expect(read.messageId).toBeNull();
  });
});
