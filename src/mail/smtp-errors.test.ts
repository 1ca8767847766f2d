import { describe, expect, it } from 'vitest';
import { describeSendError } from './smtp-errors.js';

function smtpError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('describeSendError', () => {
  it('keeps code, reply code and command verb, and drops the rest of the command', () => {
    const err = smtpError('Mail command failed: 451 try later', {
      code: 'EENVELOPE',
      responseCode: 451,
      command: 'MAIL FROM:<noreply@example.test>',
      permanent: false,
    });
    expect(describeSendError(err, [])).toMatchObject({
      code: 'rejected',
      message: 'SMTP EENVELOPE 451 (MAIL FROM): Mail command failed: 451 try later',
      retry: true,
    });
  });

  it('never includes AUTH PLAIN credentials from the command', () => {
    const token = Buffer.from('\u0000mailer\u0000hunter2').toString('base64');
    const err = smtpError('Invalid login: 535 nope', {
      code: 'EAUTH',
      responseCode: 535,
      command: `AUTH PLAIN ${token}`,
      permanent: true,
    });
    const failure = describeSendError(err, ['hunter2'], 'mailer');
    expect(failure.message).not.toContain(token);
    expect(failure.message).toContain('(AUTH)');
  });

  it('removes the password in clear and base64 even if the server echoes it', () => {
    const b64 = Buffer.from('hunter2').toString('base64');
    const err = smtpError(`Invalid login: 535 bad password hunter2 (${b64})`, { code: 'EAUTH' });
    const failure = describeSendError(err, ['hunter2'], 'mailer');
    expect(failure.message).not.toContain('hunter2');
    expect(failure.message).not.toContain(b64);
    expect(failure.message).toContain('[redacted]');
  });

  it('removes anything that looks like a LiteLLM key', () => {
    const err = smtpError('Message failed: 554 content rejected near "sk-abc123def456"', {
      code: 'EMESSAGE',
      responseCode: 554,
      permanent: true,
    });
    expect(describeSendError(err, []).message).not.toContain('sk-abc123def456');
  });

  it('is not retryable only when the server refused the message or recipients for good', () => {
    const permanentRcpt = smtpError('Recipient command failed: 550 no such user', {
      code: 'EENVELOPE',
      responseCode: 550,
      permanent: true,
    });
    const permanentData = smtpError('Message failed: 554 spam', {
      code: 'EMESSAGE',
      responseCode: 554,
      permanent: true,
    });
    const temporaryData = smtpError('Message failed: 452 full', {
      code: 'EMESSAGE',
      responseCode: 452,
      permanent: false,
    });
    expect(describeSendError(permanentRcpt, []).retry).toBe(false);
    expect(describeSendError(permanentData, []).retry).toBe(false);
    expect(describeSendError(temporaryData, []).retry).toBe(true);
  });

  it('treats connection, timeout, TLS and login problems as retryable', () => {
    for (const code of ['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EAUTH', 'EABORT']) {
      const failure = describeSendError(
        smtpError('failed', { code, responseCode: 535, permanent: true }),
        [],
      );
      expect(failure.retry, code).toBe(true);
    }
  });

  it('handles values that are not errors', () => {
    expect(describeSendError('boom', [])).toMatchObject({ message: 'SMTP send failed: boom', retry: true });
  });

  it('keeps only the first line and bounds the length', () => {
    const err = smtpError(`first line\nsecond line ${'x'.repeat(1000)}`, { code: 'ESOCKET' });
    const { message } = describeSendError(err, []);
    expect(message).not.toContain('second line');
    expect(message.length).toBeLessThanOrEqual(300);
  });

  it('names what went wrong with the closed set of error codes', () => {
    const cases: Array<[string, string]> = [
      ['ECONNECTION', 'unreachable'],
      ['ETIMEDOUT', 'timeout'],
      ['EAUTH', 'rejected'],
      ['EPROTOCOL', 'bad-response'],
      ['EMAXRECIPIENTS', 'internal'],
    ];
    for (const [smtpCode, code] of cases) {
      expect(describeSendError(smtpError('failed', { code: smtpCode }), []).code, smtpCode).toBe(code);
    }
  });

  it('is not retryable when the message itself cannot be sent', () => {
    expect(describeSendError(smtpError('too many', { code: 'EMAXRECIPIENTS' }), []).retry).toBe(false);
  });
});
