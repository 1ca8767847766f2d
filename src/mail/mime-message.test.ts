import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { MailMessage } from './mailer.js';
import { mimeMessage } from './mime-message.js';
import { approvalMail } from './templates.js';

const DATE = new Date('2026-11-30T12:34:56Z');

function approval(language: string | null): MailMessage {
  return approvalMail({
    requestId: '0b5a6e8e-2d7e-4c59-9a4b-6c1f4f6f1d2e',
    cycle: 2,
    to: 'Dev+Keys@Company.example',
    model: 'ollama/llama3.1',
    language,
    pageUrl: 'https://portal.example.com/requests/0b5a6e8e?token=abc',
    apiKey: `sk-${'Q'.repeat(43)}`,
    gatewayUrl: 'https://llm.example.com',
    expiresAt: '2027-02-28T14:15:00.000Z',
  });
}

async function parsed(message: MailMessage) {
  const mail = mimeMessage(message, 'portal@example.com', DATE);
  if (mail === null) {
    throw new Error('expected a message');
  }
  return { mail, got: await simpleParser(mail.raw) };
}

describe('MIME message', () => {
  it.each([null, 'de', 'es'])(
    'reads back as the approval mail it was built from (language %s)',
    async (language) => {
      const message = approval(language);

      const { mail, got } = await parsed(message);

      expect(got.subject).toBe(message.subject);
      expect(got.messageId).toBe(message.messageId);
      expect(got.text).toBe(message.text);
      expect(got.html).toBe(message.html);
      expect(got.date?.toISOString()).toBe(DATE.toISOString());
      expect(got.headers.get('mime-version')).toBe('1.0');
      expect(mail.from).toBe('portal@example.com');
      // The domain in lower case, as nodemailer writes it; the local part as typed.
      expect(mail.to).toEqual(['Dev+Keys@company.example']);
      expect(got.to && !Array.isArray(got.to) ? got.to.value.map((a) => a.address) : []).toEqual([
        'Dev+Keys@company.example',
      ]);
    },
  );

  it('keeps to the line rules of SMTP: CRLF only, at most 76 characters a line', async () => {
    const message = {
      ...approval('de'),
      text: `.a line that starts with a dot\ntrailing spaces   \n${'x'.repeat(300)}\r\nü`,
    };

    const { mail, got } = await parsed(message);

    expect(mail.raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of mail.raw.split('\r\n')) {
      expect(line.length).toBeLessThanOrEqual(76);
    }
    expect(got.text).toBe(message.text.replace('\r\n', '\n'));
  });

  it('sends several recipients of one message in one To header', async () => {
    const { mail, got } = await parsed({ ...approval(null), to: ['a@example.com', 'b@example.com'] });

    expect(mail.to).toEqual(['a@example.com', 'b@example.com']);
    expect(got.to && !Array.isArray(got.to) ? got.to.value.map((a) => a.address) : []).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
  });

  it.each([
    ['a name with the address', { to: ['"Jane" <jane@example.com>'] }],
    ['a non-ASCII address', { to: ['jöhn@example.com'] }],
    ['a line break in an address', { to: ['a@example.com\r\nBcc: x@evil.example'] }],
    ['a Message-ID that is not one token', { messageId: '<a b@c>' }],
  ])('leaves a message with %s to nodemailer (null)', (_name, change) => {
    expect(mimeMessage({ ...approval(null), ...change }, 'portal@example.com', DATE)).toBeNull();
  });

  it('never lets a line break in the subject start a header', async () => {
    const { got } = await parsed({ ...approval(null), subject: 'Hello\r\nBcc: x@evil.example' });

    expect(got.subject).toBe('Hello Bcc: x@evil.example');
    expect(got.bcc).toBeUndefined();
  });
});
