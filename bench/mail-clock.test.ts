import { describe, expect, it } from 'vitest';
import { createMailClock } from './mail-clock.js';
import type { BenchMail } from './mail-sink.js';

function mail(subject: string, rcptTo: string[]): BenchMail {
  return { rcptTo, subject, messageId: `<${Math.random()}@bench>`, key: 'sk-abcdefgh12345678' };
}

const LINK = 'Your API key request for gpt-4o';

describe('the mail clock', () => {
  it('counts approvals by recipient and anything else as unexpected', () => {
    const clock = createMailClock();
    clock.onMessage(mail('API Key Approved for gpt-4o', ['a@example.com']));
    clock.onMessage(mail(LINK, ['a@example.com']));
    expect(clock.approvals).toBe(1);
    expect(clock.unexpected).toEqual([`${LINK} -> a@example.com`]);
  });

  it('takes link mails only for an address expecting them, with their subject, to that address alone', () => {
    const clock = createMailClock();
    clock.expectLinkMails('dup@example.com', LINK);
    clock.onMessage(mail(LINK, ['dup@example.com']));
    clock.onMessage(mail(LINK, ['dup@example.com']));
    clock.onMessage(mail(LINK, ['other@example.com']));
    clock.onMessage(mail('API Key Request Denied for gpt-4o', ['dup@example.com']));
    clock.onMessage(mail(LINK, ['dup@example.com', 'other@example.com']));
    expect(clock.linkMails('dup@example.com')).toBe(2);
    expect(clock.linkMails('other@example.com')).toBe(0);
    expect(clock.approvals).toBe(0);
    expect(clock.unexpected).toEqual([
      `${LINK} -> other@example.com`,
      'API Key Request Denied for gpt-4o -> dup@example.com',
      `${LINK} -> dup@example.com, other@example.com`,
    ]);
  });
});
