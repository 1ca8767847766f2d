import { describe, expect, it } from 'vitest';
import { escapeHtml } from './escape-html.js';
import { PRODUCT } from './mail-blocks.js';
import { formatDay, formatMoment, MAIL_LANGUAGES, type MailLanguage, mailLanguage } from './mail-locale.js';
import type { MailMessage } from './mailer.js';
import { linkMessageIdFor, messageIdFor } from './message-id.js';
import {
  approvalMail,
  denialMail,
  extensionMail,
  linkMail,
  type RequesterMailInput,
  reminderMail,
  reviewNoticeMail,
  revocationMail,
} from './templates.js';

const PAGE = 'https://portal.example.test/requests/req-1?token=tok_123';
const GATEWAY = 'https://llm.example.test/';
const KEY = 'sk-abcdef0123456789wxyz';
const EXPIRES = '2031-06-05T14:30:00.000Z';
const HOUR = 543_210;

const HOSTILE_MODEL = '<script>alert(1)</script>';
const HOSTILE_REASON = `Tom & Jerry said "no" and 'never' <img src=x onerror=alert(1)>`;
const HOSTILE_EMAIL = 'o\'brien+"x"@example.test';

function requester(overrides: Partial<RequesterMailInput> = {}): RequesterMailInput {
  return {
    requestId: 'req-1',
    cycle: 2,
    to: 'Alice@Example.test',
    model: 'gpt-4o',
    language: null,
    pageUrl: PAGE,
    ...overrides,
  };
}

/** Every requester mail kind for one request, in the order: approval, extension, denial,
 * revocation, reminder, link. */
function requesterMails(base: RequesterMailInput, reason: string | null = 'Not on the list'): MailMessage[] {
  const pageUrl = base.pageUrl ?? PAGE;
  return [
    approvalMail({ ...base, apiKey: KEY, gatewayUrl: GATEWAY, expiresAt: EXPIRES }),
    extensionMail({ ...base, expiresAt: EXPIRES, keyHint: 'wxyz' }),
    denialMail({ ...base, reason }),
    revocationMail({ ...base, reason }),
    reminderMail({ ...base, pageUrl, expiresAt: EXPIRES }),
    linkMail({ ...base, pageUrl, hour: HOUR }),
  ];
}

function reviewNotice(overrides: Partial<Parameters<typeof reviewNoticeMail>[0]> = {}): MailMessage {
  return reviewNoticeMail({
    requestId: 'req-7',
    cycle: 3,
    email: 'carol@example.test',
    model: 'claude-3',
    reason: 'matched review pattern *@contractor.test',
    to: ['admin1@example.test', 'admin2@example.test'],
    consoleUrl: 'https://portal.example.test/admin/requests/req-7',
    ...overrides,
  });
}

const HTML_ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/** The words a reader sees, outside code blocks, with the given values (names, URLs, keys)
 * taken out: what must be in the mail's language. */
function proseWords(mail: MailMessage, values: string[]): Set<string> {
  const text = mail.text
    .split('\n')
    .filter((line) => !line.startsWith('    '))
    .join('\n');
  const html = mail.html
    .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => HTML_ENTITIES[entity] ?? ' ');
  let prose = `${mail.subject}\n${text}\n${html}`;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    prose = prose.split(value).join(' ');
  }
  prose = prose.replace(/https?:\/\/\S+/g, ' ');
  return new Set((prose.match(/\p{L}{3,}/gu) ?? []).map((word) => word.toLowerCase()));
}

/** Words German or Spanish mails may share with English ones: acronyms, product names, and
 * words spelled the same in both languages. */
const SHARED_WORDS: Record<'de' | 'es', Set<string>> = {
  de: new Set(['api', 'url', 'utc', 'openai', 'python', 'sdk', 'curl', 'gateway']),
  es: new Set(['api', 'url', 'utc', 'openai', 'python', 'sdk', 'curl', 'variable', 'compatible']),
};

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(escapeHtml('plain')).toBe('plain');
  });
});

describe('messageIdFor', () => {
  it('derives the Message-ID from the request id, the kind and the cycle', () => {
    expect(messageIdFor('0b6f3c1e-5d2a-4c1b-9f1e-2a3b4c5d6e7f', 'approval', 1)).toBe(
      '<0b6f3c1e-5d2a-4c1b-9f1e-2a3b4c5d6e7f.approval.c1@llm-key-requestor>',
    );
    expect(messageIdFor('req-1', 'reminder', 12)).toBe('<req-1.reminder.c12@llm-key-requestor>');
  });

  it('is the same for the same request, kind and cycle, and differs when any of them differs', () => {
    expect(messageIdFor('req-1', 'denial', 1)).toBe(messageIdFor('req-1', 'denial', 1));
    expect(messageIdFor('req-1', 'denial', 1)).not.toBe(messageIdFor('req-1', 'revocation', 1));
    expect(messageIdFor('req-1', 'review', 1)).not.toBe(messageIdFor('req-2', 'review', 1));
    expect(messageIdFor('req-1', 'approval', 1)).not.toBe(messageIdFor('req-1', 'approval', 2));
  });

  it('keeps the header well-formed for unexpected characters without merging distinct ids', () => {
    const odd = messageIdFor('a b>c@d', 'review', 1);
    expect(odd).toMatch(/^<[A-Za-z0-9_%-]+\.review\.c1@llm-key-requestor>$/);
    expect(messageIdFor('a.b', 'review', 1)).not.toBe(messageIdFor('a%2Eb', 'review', 1));
  });

  it('refuses a cycle that is not a positive integer', () => {
    for (const cycle of [0, -1, 1.5, Number.NaN]) {
      expect(() => messageIdFor('req-1', 'approval', cycle), String(cycle)).toThrow(/cycle/);
    }
  });
});

describe('linkMessageIdFor', () => {
  it('adds the hour since the epoch, so each hour gets its own link mail', () => {
    expect(linkMessageIdFor('req-1', 2, 480_000)).toBe('<req-1.link.c2.h480000@llm-key-requestor>');
    expect(linkMessageIdFor('req-1', 2, 480_000)).not.toBe(linkMessageIdFor('req-1', 2, 480_001));
    expect(linkMessageIdFor('req-1', 2, 480_000)).not.toBe(linkMessageIdFor('req-1', 3, 480_000));
  });

  it('refuses an hour that is not a whole, non-negative number', () => {
    expect(() => linkMessageIdFor('req-1', 1, 1.5)).toThrow(/hour/);
    expect(() => linkMessageIdFor('req-1', 1, -1)).toThrow(/hour/);
  });
});

describe('mail language and dates', () => {
  it('writes German or Spanish when the request says so, English otherwise', () => {
    expect(mailLanguage('de')).toBe('de');
    expect(mailLanguage('DE-at')).toBe('de');
    expect(mailLanguage('es_ES')).toBe('es');
    expect(mailLanguage('en-GB')).toBe('en');
    expect(mailLanguage('fr')).toBe('en');
    expect(mailLanguage('')).toBe('en');
    expect(mailLanguage(null)).toBe('en');
  });

  it('formats dates in UTC the way each language writes them', () => {
    expect(formatDay(EXPIRES, 'en')).toBe('June 5, 2031');
    expect(formatDay(EXPIRES, 'de')).toBe('5. Juni 2031');
    expect(formatDay(EXPIRES, 'es')).toBe('5 de junio de 2031');
    expect(formatMoment(EXPIRES, 'en')).toMatch(/^June 5, 2031 at 2:30\sPM UTC$/u);
    expect(formatMoment(EXPIRES, 'de')).toBe('5. Juni 2031 um 14:30 UTC');
    expect(formatMoment(EXPIRES, 'es')).toMatch(/^5 de junio de 2031,? (a las )?14:30 UTC$/);
  });

  it('refuses a value that is not a timestamp', () => {
    expect(() => formatDay('soon', 'en')).toThrow(/timestamp/);
  });
});

describe('requester mails in English', () => {
  it('keep the subjects of today for approval, denial and revocation', () => {
    const [approval, extension, denial, revocation, reminder, link] = requesterMails(requester());
    expect(approval?.subject).toBe('API Key Approved for gpt-4o');
    expect(extension?.subject).toBe('API Key Approved for gpt-4o');
    expect(denial?.subject).toBe('API Key Request Denied for gpt-4o');
    expect(revocation?.subject).toBe('API Key Revoked for gpt-4o');
    expect(reminder?.subject).toBe('Your API key for gpt-4o expires on June 5, 2031');
    expect(link?.subject).toBe('Your API key request for gpt-4o');
  });

  it('are sent when the language is unknown or not one we write', () => {
    for (const language of [null, 'fr', 'EN']) {
      const [approval] = requesterMails(requester({ language }));
      expect(approval?.subject, String(language)).toBe('API Key Approved for gpt-4o');
      expect(approval?.html).toContain('<html lang="en">');
    }
  });
});

describe('every requester mail, in every language', () => {
  it('goes to the address as typed, with the Message-ID of its kind and cycle', () => {
    for (const language of MAIL_LANGUAGES) {
      const ids = requesterMails(requester({ language })).map((mail) => {
        expect(mail.to).toEqual(['Alice@Example.test']);
        return mail.messageId;
      });
      expect(ids).toEqual([
        '<req-1.approval.c2@llm-key-requestor>',
        '<req-1.approval.c2@llm-key-requestor>',
        '<req-1.denial.c2@llm-key-requestor>',
        '<req-1.revocation.c2@llm-key-requestor>',
        '<req-1.reminder.c2@llm-key-requestor>',
        `<req-1.link.c2.h${HOUR}@llm-key-requestor>`,
      ]);
    }
  });

  it('links the requester page in both parts, and names the request id', () => {
    for (const language of MAIL_LANGUAGES) {
      for (const mail of requesterMails(requester({ language }))) {
        const label = `${language}: ${mail.subject}`;
        expect(mail.text, label).toContain(PAGE);
        expect(mail.html, label).toContain(`<a href="${escapeHtml(PAGE)}">`);
        expect(mail.text, label).toContain('req-1');
        expect(mail.text.trim().endsWith(`-- ${PRODUCT}`), label).toBe(true);
      }
    }
  });

  it('leaves the page link out of the mails that do not need one when there is none', () => {
    const [approval, extension, denial, revocation] = requesterMails(requester({ pageUrl: null }));
    for (const mail of [approval, extension, denial, revocation]) {
      expect(mail?.text).not.toContain('/requests/');
      expect(mail?.html).not.toContain('<a href="https://portal');
    }
  });

  it('is a complete HTML document in its language', () => {
    for (const language of MAIL_LANGUAGES) {
      for (const mail of requesterMails(requester({ language }))) {
        expect(mail.html.startsWith('<!DOCTYPE html>')).toBe(true);
        expect(mail.html).toContain(`<html lang="${language}">`);
        expect(mail.html.trim().endsWith('</html>')).toBe(true);
      }
    }
  });

  it('leaves no English in German and Spanish mails, only names, links and the product name', () => {
    const base = requester();
    const values = [base.model, base.to, PAGE, GATEWAY, KEY, 'wxyz', 'req-1', 'Not on the list', PRODUCT];
    const english = requesterMails(base).map((mail) => proseWords(mail, values));
    for (const language of ['de', 'es'] as const) {
      const translated = requesterMails(requester({ language }));
      translated.forEach((mail, index) => {
        const leftovers = [...proseWords(mail, values)].filter(
          (word) => english[index]?.has(word) && !SHARED_WORDS[language].has(word),
        );
        expect(leftovers, `${language}: ${mail.subject}`).toEqual([]);
      });
    }
  });

  it('has a subject of its own in each language', () => {
    const subjects = (language: MailLanguage) =>
      requesterMails(requester({ language })).map((m) => m.subject);
    expect(subjects('de')).toEqual([
      'API-Schlüssel für gpt-4o genehmigt',
      'API-Schlüssel für gpt-4o genehmigt',
      'Anfrage nach API-Schlüssel für gpt-4o abgelehnt',
      'API-Schlüssel für gpt-4o widerrufen',
      'Ihr API-Schlüssel für gpt-4o läuft am 5. Juni 2031 ab',
      'Ihre Anfrage nach einem API-Schlüssel für gpt-4o',
    ]);
    expect(subjects('es')).toEqual([
      'Clave de API aprobada para gpt-4o',
      'Clave de API aprobada para gpt-4o',
      'Solicitud de clave de API denegada para gpt-4o',
      'Clave de API revocada para gpt-4o',
      'Su clave de API para gpt-4o caduca el 5 de junio de 2031',
      'Su solicitud de clave de API para gpt-4o',
    ]);
  });
});

describe('approvalMail', () => {
  const approval = (overrides: Partial<Parameters<typeof approvalMail>[0]> = {}) =>
    approvalMail({ ...requester(), apiKey: KEY, gatewayUrl: GATEWAY, expiresAt: EXPIRES, ...overrides });

  it('carries the key, the gateway URL and a usage example in both parts', () => {
    const mail = approval();
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain(KEY);
      expect(part).toContain('https://llm.example.test');
      expect(part).toContain('/v1/chat/completions');
      expect(part).toContain('base_url=');
      expect(part).toMatch(/secret/i);
    }
    expect(mail.html).toContain('<a href="https://llm.example.test/">');
  });

  it('says when the key expires, in the language of the mail', () => {
    expect(approval().text).toMatch(/It expires on June 5, 2031 at 2:30\sPM UTC\./u);
    expect(approval({ language: 'de' }).text).toContain('Er läuft am 5. Juni 2031 um 14:30 UTC ab.');
    expect(approval({ language: 'es' }).text).toContain('Caduca el 5 de junio de 2031');
    expect(approval({ expiresAt: null }).text).not.toMatch(/expires/);
  });

  it('writes the sample chat message in the language of the mail', () => {
    expect(approval({ language: 'de' }).text).toContain('"content": "Hallo!"');
    expect(approval({ language: 'es' }).text).toContain('"content": "¡Hola!"');
  });

  it('does not turn a non-http gateway URL into a link', () => {
    expect(approval({ gatewayUrl: 'javascript:alert(1)' }).html).not.toContain('href="javascript:');
  });

  it('quotes the model id in the shell example so it stays one argument', () => {
    expect(approval({ model: "it's-a-model" }).text).toContain(`-d '{"model":"it'\\''s-a-model"`);
  });
});

describe('extensionMail', () => {
  it('says the key was extended until the new date, names its last characters, and carries no key', () => {
    const mail = extensionMail({ ...requester(), expiresAt: EXPIRES, keyHint: 'wxyz' });
    expect(mail.text).toMatch(
      /your API key ending in wxyz was extended until June 5, 2031 at 2:30\sPM UTC\./u,
    );
    expect(mail.html).toContain('<code>wxyz</code>');
    expect(mail.text).not.toContain('sk-');
    expect(mail.html).not.toContain('sk-');
  });

  it('reads well without the key hint', () => {
    const mail = extensionMail({ ...requester({ language: 'de' }), expiresAt: EXPIRES, keyHint: null });
    expect(mail.text).toContain('Ihr API-Schlüssel gilt jetzt bis zum 5. Juni 2031 um 14:30 UTC.');
  });

  it('says the key no longer expires when it was extended without a duration', () => {
    const say = (language: MailLanguage) =>
      extensionMail({ ...requester({ language }), expiresAt: null, keyHint: 'wxyz' }).text;
    expect(say('en')).toContain('your API key ending in wxyz was extended and no longer expires.');
    expect(say('de')).toContain(
      'Ihr API-Schlüssel mit der Endung wxyz wurde verlängert und läuft nicht mehr ab.',
    );
    expect(say('es')).toContain('su clave de API terminada en wxyz se ha prorrogado y ya no caduca.');
  });
});

describe('denialMail and revocationMail', () => {
  it('carry the reason in both parts, or say in the mail language that none was given', () => {
    const [, , denial] = requesterMails(requester(), 'Not on the list');
    expect(denial?.text).toContain('Not on the list');
    expect(denial?.html).toContain('Not on the list');
    const bare = (language: MailLanguage) =>
      revocationMail({ ...requester({ language }), reason: '  ' }).text;
    expect(bare('en')).toContain('No reason was given.');
    expect(bare('de')).toContain('Es wurde keine Begründung angegeben.');
    expect(bare('es')).toContain('No se indicó ningún motivo.');
  });
});

describe('reminderMail and linkMail', () => {
  it('the reminder says when the key expires and where to renew it', () => {
    const mail = reminderMail({ ...requester({ language: 'es' }), pageUrl: PAGE, expiresAt: EXPIRES });
    expect(mail.text).toMatch(/caduca el 5 de junio de 2031,? (a las )?14:30 UTC\./);
    expect(mail.text).toContain(`renuévela aquí:\n${PAGE}`);
  });

  it('the link mail hands out the link to the request', () => {
    const mail = linkMail({ ...requester(), pageUrl: PAGE, hour: HOUR });
    expect(mail.text).toContain(`Here is the link to your request:\n${PAGE}`);
    expect(mail.text).toContain('If this was not you');
  });
});

describe('reviewNoticeMail', () => {
  it('goes to the admins in English, whatever the request language, naming requester, model and reason', () => {
    const mail = reviewNotice();
    expect(mail.to).toEqual(['admin1@example.test', 'admin2@example.test']);
    expect(mail.subject).toBe('Key request awaiting review: claude-3 for carol@example.test');
    expect(mail.messageId).toBe('<req-7.review.c3@llm-key-requestor>');
    for (const part of [
      'carol@example.test',
      'claude-3',
      'req-7',
      'matched review pattern *@contractor.test',
    ]) {
      expect(mail.text).toContain(part);
    }
    expect(mail.text).toContain('POST /api/admin/requests/req-7/approve');
  });

  it('deep-links the request in the admin console', () => {
    const mail = reviewNotice();
    expect(mail.text).toContain('https://portal.example.test/admin/requests/req-7');
    expect(mail.html).toContain('<a href="https://portal.example.test/admin/requests/req-7">');
    expect(reviewNotice({ consoleUrl: null }).text).not.toContain('/admin/requests/req-7\n');
  });
});

describe('every template: hostile values', () => {
  const hostile = () => [
    ...requesterMails(
      requester({ model: HOSTILE_MODEL, to: HOSTILE_EMAIL, pageUrl: `${PAGE}&x="><script>` }),
      HOSTILE_REASON,
    ),
    reviewNotice({ model: HOSTILE_MODEL, email: HOSTILE_EMAIL, reason: HOSTILE_REASON }),
  ];

  it('escapes every user value in HTML and keeps it intact in text', () => {
    for (const language of MAIL_LANGUAGES) {
      const mails = requesterMails(
        requester({ language, model: HOSTILE_MODEL, pageUrl: `${PAGE}&x="><script>` }),
        HOSTILE_REASON,
      );
      for (const mail of [...mails, ...hostile()]) {
        expect(mail.html, mail.subject).not.toContain('<script>');
        expect(mail.html, mail.subject).not.toContain('<img');
        expect(mail.html, mail.subject).toContain(escapeHtml(HOSTILE_MODEL));
        expect(mail.text, mail.subject).toContain(HOSTILE_MODEL);
      }
    }
    const [, , denial, revocation] = hostile();
    const review = hostile().at(-1);
    for (const mail of [denial, revocation, review]) {
      expect(mail?.html).toContain(escapeHtml(HOSTILE_REASON));
      expect(mail?.text).toContain(HOSTILE_REASON);
    }
    expect(review?.html).toContain(escapeHtml(HOSTILE_EMAIL));
    expect(review?.html).not.toContain(HOSTILE_EMAIL);
  });

  it('does not turn a page URL that is not http(s) into a link', () => {
    const mail = denialMail({ ...requester({ pageUrl: 'javascript:alert(1)' }), reason: null });
    expect(mail.html).not.toContain('href="javascript:');
    expect(mail.text).toContain('javascript:alert(1)');
  });

  it('keeps subjects on one line whatever the model id or email holds', () => {
    const model = 'gpt\r\nBcc: victim@example.test';
    for (const language of MAIL_LANGUAGES) {
      const mails = [
        ...requesterMails(requester({ language, model })),
        reviewNotice({ model, email: 'x@example.test\nX-Evil: 1' }),
      ];
      for (const mail of mails) {
        expect(mail.subject).not.toMatch(/[\r\n]/);
      }
    }
    const [approval] = requesterMails(requester({ model }));
    expect(approval?.subject).toBe('API Key Approved for gpt Bcc: victim@example.test');
  });
});
