import { describe, expect, it } from 'vitest';
import { escapeHtml } from './escape-html.js';
import type { MailMessage } from './mailer.js';
import { messageIdFor } from './message-id.js';
import { approvalMail, denialMail, reviewNoticeMail, revocationMail } from './templates.js';

const HOSTILE_MODEL = '<script>alert(1)</script>';
const HOSTILE_REASON = `Tom & Jerry said "no" and 'never' <img src=x onerror=alert(1)>`;
const HOSTILE_EMAIL = 'o\'brien+"x"@example.test';

const approval = () =>
  approvalMail({
    requestId: 'req-1',
    email: 'alice@example.test',
    model: 'gpt-4o',
    apiKey: 'sk-abcdef0123456789',
    gatewayUrl: 'https://llm.example.test/',
  });

function allMails(model: string, reason: string, email: string): MailMessage[] {
  return [
    approvalMail({ requestId: 'r', email, model, apiKey: 'sk-k', gatewayUrl: 'https://gw.example.test' }),
    denialMail({ requestId: 'r', email, model, reason }),
    reviewNoticeMail({ requestId: 'r', email, model, reason, to: ['admin@example.test'] }),
    revocationMail({ requestId: 'r', email, model, reason }),
  ];
}

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(escapeHtml('plain')).toBe('plain');
  });
});

describe('messageIdFor', () => {
  it('derives the Message-ID from the request id and the kind', () => {
    expect(messageIdFor('0b6f3c1e-5d2a-4c1b-9f1e-2a3b4c5d6e7f', 'approval')).toBe(
      '<0b6f3c1e-5d2a-4c1b-9f1e-2a3b4c5d6e7f.approval@llm-key-requestor>',
    );
  });

  it('is the same for the same request and kind, and differs across kinds and requests', () => {
    expect(messageIdFor('req-1', 'denial')).toBe(messageIdFor('req-1', 'denial'));
    expect(messageIdFor('req-1', 'denial')).not.toBe(messageIdFor('req-1', 'revocation'));
    expect(messageIdFor('req-1', 'review')).not.toBe(messageIdFor('req-2', 'review'));
  });

  it('keeps the header well-formed for unexpected characters without merging distinct ids', () => {
    const odd = messageIdFor('a b>c@d', 'review');
    expect(odd).toMatch(/^<[A-Za-z0-9_%-]+\.review@llm-key-requestor>$/);
    expect(messageIdFor('a.b', 'review')).not.toBe(messageIdFor('a%2Eb', 'review'));
  });
});

describe('approvalMail', () => {
  it('has the exact subject, recipient and Message-ID', () => {
    const mail = approval();
    expect(mail.subject).toBe('API Key Approved for gpt-4o');
    expect(mail.to).toEqual(['alice@example.test']);
    expect(mail.messageId).toBe('<req-1.approval@llm-key-requestor>');
  });

  it('carries the key, the gateway URL and a usage example in both parts', () => {
    const mail = approval();
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('sk-abcdef0123456789');
      expect(part).toContain('https://llm.example.test');
      expect(part).toContain('/v1/chat/completions');
      expect(part).toContain('base_url=');
      expect(part).toMatch(/secret/i);
    }
    expect(mail.html).toContain('<a href="https://llm.example.test/">');
  });

  it('does not turn a non-http gateway URL into a link', () => {
    const mail = approvalMail({
      requestId: 'r',
      email: 'a@example.test',
      model: 'm',
      apiKey: 'sk-k',
      gatewayUrl: 'javascript:alert(1)',
    });
    expect(mail.html).not.toContain('href="javascript:');
  });

  it('quotes the model id in the shell example so it stays one argument', () => {
    const mail = approvalMail({
      requestId: 'r',
      email: 'a@example.test',
      model: "it's-a-model",
      apiKey: 'sk-k',
      gatewayUrl: 'https://gw.example.test',
    });
    expect(mail.text).toContain(`-d '{"model":"it'\\''s-a-model"`);
  });
});

describe('denialMail, reviewNoticeMail, revocationMail', () => {
  it('have the exact subjects and Message-IDs', () => {
    const [, denial, review, revocation] = allMails('gpt-4o', 'r', 'bob@example.test');
    expect(denial?.subject).toBe('API Key Request Denied for gpt-4o');
    expect(denial?.messageId).toBe('<r.denial@llm-key-requestor>');
    expect(review?.subject).toBe('Key request awaiting review: gpt-4o for bob@example.test');
    expect(review?.messageId).toBe('<r.review@llm-key-requestor>');
    expect(revocation?.subject).toBe('API Key Revoked for gpt-4o');
    expect(revocation?.messageId).toBe('<r.revocation@llm-key-requestor>');
  });

  it('carry the reason in both parts, or say that none was given', () => {
    const denial = denialMail({
      requestId: 'r',
      email: 'b@example.test',
      model: 'm',
      reason: 'Not on the list',
    });
    expect(denial.text).toContain('Not on the list');
    expect(denial.html).toContain('Not on the list');
    const bare = revocationMail({ requestId: 'r', email: 'b@example.test', model: 'm', reason: null });
    expect(bare.text).toContain('No reason was given.');
  });

  it('sends the review notice to the admins, naming the requester and model', () => {
    const mail = reviewNoticeMail({
      requestId: 'req-7',
      email: 'carol@example.test',
      model: 'claude-3',
      reason: 'matched review pattern *@contractor.test',
      to: ['admin1@example.test', 'admin2@example.test'],
    });
    expect(mail.to).toEqual(['admin1@example.test', 'admin2@example.test']);
    expect(mail.text).toContain('carol@example.test');
    expect(mail.text).toContain('claude-3');
    expect(mail.text).toContain('req-7');
    expect(mail.text).toContain('matched review pattern *@contractor.test');
  });
});

describe('every template', () => {
  it('escapes every user value in HTML and keeps it intact in text', () => {
    for (const mail of allMails(HOSTILE_MODEL, HOSTILE_REASON, HOSTILE_EMAIL)) {
      expect(mail.html, mail.subject).not.toContain('<script>');
      expect(mail.html, mail.subject).not.toContain('<img');
      expect(mail.html, mail.subject).toContain(escapeHtml(HOSTILE_MODEL));
      expect(mail.text, mail.subject).toContain(HOSTILE_MODEL);
    }
    const [, denial, review, revocation] = allMails(HOSTILE_MODEL, HOSTILE_REASON, HOSTILE_EMAIL);
    for (const mail of [denial, review, revocation]) {
      expect(mail?.html).toContain(escapeHtml(HOSTILE_REASON));
      expect(mail?.text).toContain(HOSTILE_REASON);
    }
    expect(review?.html).toContain(escapeHtml(HOSTILE_EMAIL));
    expect(review?.html).not.toContain(HOSTILE_EMAIL);
  });

  it('keeps subjects on one line whatever the model id or email holds', () => {
    for (const mail of allMails('gpt\r\nBcc: victim@example.test', 'r', 'x@example.test\nX-Evil: 1')) {
      expect(mail.subject).not.toMatch(/[\r\n]/);
    }
    const [approvalWithCrLf] = allMails('gpt\r\nBcc: victim@example.test', 'r', 'x@example.test');
    expect(approvalWithCrLf?.subject).toBe('API Key Approved for gpt Bcc: victim@example.test');
  });

  it('produces complete HTML documents', () => {
    for (const mail of allMails('m', 'r', 'e@example.test')) {
      expect(mail.html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(mail.html.trim().endsWith('</html>')).toBe(true);
    }
  });
});
