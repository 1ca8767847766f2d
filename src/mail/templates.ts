import { type Block, link, renderHtml, renderText, subjectLine } from './mail-blocks.js';
import { formatDay, formatMoment, type MailLanguage, mailLanguage } from './mail-locale.js';
import type { MailMessage } from './mailer.js';
import { linkMessageIdFor, messageIdFor } from './message-id.js';
import { type MailTexts, textsFor } from './texts/mail-texts.js';
import { shellQuote, usageExamples } from './usage-examples.js';

export { type ReviewNoticeMailInput, reviewNoticeMail } from './review-notice.js';

/** What every mail to a requester needs. */
export interface RequesterMailInput {
  requestId: string;
  /** The request's cycle (1 for a new request, +1 per renewal or re-issue): part of the Message-ID. */
  cycle: number;
  /** The recipient: the address as the requester typed it. */
  to: string;
  model: string;
  /** The request's language; null, or anything but German or Spanish, gives English. */
  language: string | null;
  /** The requester's page, `<public_url>/requests/<id>?token=<t>`; null leaves it out. */
  pageUrl: string | null;
}

/** A minted key: the only mail that carries it. */
export interface ApprovalMailInput extends RequesterMailInput {
  apiKey: string;
  gatewayUrl: string;
  /** When the key expires (ISO 8601); null when it never does or is not known: nothing is said. */
  expiresAt: string | null;
}

/** A renewal approved by extending the key the requester already has: no key in the mail. */
export interface ExtensionMailInput extends RequesterMailInput {
  /** The new expiry (ISO 8601); null when the key no longer expires (no `duration` configured). */
  expiresAt: string | null;
  /** The key's last four characters, so the requester knows which key; null when not known. */
  keyHint: string | null;
}

export interface DenialMailInput extends RequesterMailInput {
  reason: string | null;
}

export type RevocationMailInput = DenialMailInput;

export interface ReminderMailInput extends RequesterMailInput {
  /** Where to renew: required, it is the point of the mail. */
  pageUrl: string;
  expiresAt: string;
}

export interface LinkMailInput extends RequesterMailInput {
  pageUrl: string;
  /** The hour (since the epoch) the mail was asked for: part of its Message-ID. */
  hour: number;
}

interface Composed {
  subject: string;
  blocks: Block[];
  /** Whether the generic paragraph with the page link goes in (not when the body has it already). */
  pageLink: boolean;
}

/** Greeting, body, page link, request id, signature; text and HTML from the same blocks. */
function requesterMail(
  input: RequesterMailInput,
  messageId: string,
  compose: (t: MailTexts, language: MailLanguage) => Composed,
): MailMessage {
  const language = mailLanguage(input.language);
  const t = textsFor(language);
  const { subject: rawSubject, blocks, pageLink } = compose(t, language);
  const subject = subjectLine(rawSubject);
  const all: Block[] = [...blocks];
  if (pageLink && input.pageUrl !== null) {
    all.push({ type: 'paragraph', content: [t.pageLink, '\n', link(input.pageUrl)] });
  }
  all.push({ type: 'small', text: `${t.requestIdLabel}: ${input.requestId}` });
  return {
    to: [input.to],
    subject,
    text: renderText(t.greeting, all),
    html: renderHtml(language, subject, all, t.footer),
    messageId,
  };
}

export function approvalMail(input: ApprovalMailInput): MailMessage {
  return requesterMail(input, messageIdFor(input.requestId, 'approval', input.cycle), (t, language) => {
    const { curl, python } = usageExamples(input.gatewayUrl, input.model, t.approval.samplePrompt);
    const blocks: Block[] = [
      { type: 'heading', text: t.approval.heading },
      { type: 'paragraph', content: t.approval.statement(input.model) },
      { type: 'paragraph', content: [t.approval.keyLabel] },
      { type: 'code', text: input.apiKey },
    ];
    if (input.expiresAt !== null) {
      blocks.push({
        type: 'paragraph',
        content: [t.approval.expiresOn(formatMoment(input.expiresAt, language))],
      });
    }
    blocks.push(
      { type: 'paragraph', content: [t.approval.gatewayLabel, ' ', link(input.gatewayUrl)] },
      { type: 'notice', text: t.approval.safety },
      { type: 'paragraph', content: [t.approval.usage] },
      { type: 'code', text: `export LLM_API_KEY=${shellQuote(input.apiKey)}` },
      { type: 'paragraph', content: [t.approval.withCurl] },
      { type: 'code', text: curl },
      { type: 'paragraph', content: [t.approval.withPython] },
      { type: 'code', text: python },
    );
    return { subject: t.approval.subject(input.model), blocks, pageLink: true };
  });
}

/** The approval mail of a renewal that extended the existing key. Same kind (and Message-ID
 * rule) as `approvalMail`: each cycle gets one approval mail, whichever way it went. */
export function extensionMail(input: ExtensionMailInput): MailMessage {
  return requesterMail(input, messageIdFor(input.requestId, 'approval', input.cycle), (t, language) => ({
    subject: t.approval.subject(input.model),
    blocks: [
      { type: 'heading', text: t.extension.heading },
      {
        type: 'paragraph',
        content: t.extension.statement(
          input.model,
          input.expiresAt === null ? null : formatMoment(input.expiresAt, language),
          input.keyHint,
        ),
      },
      { type: 'paragraph', content: [t.extension.keepUsing] },
    ],
    pageLink: true,
  }));
}

export function denialMail(input: DenialMailInput): MailMessage {
  return requesterMail(input, messageIdFor(input.requestId, 'denial', input.cycle), (t) =>
    reasonNotice(t, t.denial, input),
  );
}

export function revocationMail(input: RevocationMailInput): MailMessage {
  return requesterMail(input, messageIdFor(input.requestId, 'revocation', input.cycle), (t) =>
    reasonNotice(t, t.revocation, input),
  );
}

/** A notice that carries a reason: denial and revocation. */
function reasonNotice(t: MailTexts, wording: MailTexts['denial'], input: DenialMailInput): Composed {
  return {
    subject: wording.subject(input.model),
    blocks: [
      { type: 'heading', text: wording.heading },
      { type: 'paragraph', content: wording.statement(input.model) },
      { type: 'paragraph', content: [t.reasonLabel] },
      { type: 'quote', text: input.reason?.trim() || t.noReason },
      { type: 'paragraph', content: [wording.closing] },
    ],
    pageLink: true,
  };
}

/** "Your key expires on <date>; renew here": once per cycle, `lifecycle.remind_before` ahead. */
export function reminderMail(input: ReminderMailInput): MailMessage {
  return requesterMail(input, messageIdFor(input.requestId, 'reminder', input.cycle), (t, language) => ({
    subject: t.reminder.subject(input.model, formatDay(input.expiresAt, language)),
    blocks: [
      { type: 'heading', text: t.reminder.heading },
      {
        type: 'paragraph',
        content: t.reminder.statement(input.model, formatMoment(input.expiresAt, language)),
      },
      { type: 'paragraph', content: [t.reminder.renewHere, '\n', link(input.pageUrl)] },
      { type: 'paragraph', content: [t.reminder.explain] },
    ],
    pageLink: false,
  }));
}

/** "Here is the link to your request", answering a POST that found an existing request: the
 * link goes to the address only, so the POST's answer reveals nothing about the request. */
export function linkMail(input: LinkMailInput): MailMessage {
  return requesterMail(input, linkMessageIdFor(input.requestId, input.cycle, input.hour), (t) => ({
    subject: t.link.subject(input.model),
    blocks: [
      { type: 'heading', text: t.link.heading },
      { type: 'paragraph', content: t.link.statement(input.model) },
      { type: 'paragraph', content: [t.link.linkHere, '\n', link(input.pageUrl)] },
      { type: 'paragraph', content: [t.link.explain] },
      { type: 'paragraph', content: [t.link.notYou] },
    ],
    pageLink: false,
  }));
}
