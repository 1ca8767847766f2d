import { escapeHtml } from './escape-html.js';
import type { MailMessage } from './mailer.js';
import { messageIdFor } from './message-id.js';

export interface ApprovalMailInput {
  requestId: string;
  email: string;
  model: string;
  apiKey: string;
  gatewayUrl: string;
}

export interface DenialMailInput {
  requestId: string;
  email: string;
  model: string;
  reason: string | null;
}

export interface ReviewNoticeMailInput {
  requestId: string;
  email: string;
  model: string;
  reason: string | null;
  /** The admins to notify (`admin.notify`). */
  to: string[];
}

export type RevocationMailInput = DenialMailInput;

const PRODUCT = 'LLM Key Requestor';
const NO_REASON = 'No reason was given.';

/** Header injection guard: a subject is one line whatever the model id or email holds. */
function subjectLine(value: string): string {
  return value
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Wraps a string for a POSIX shell: the usage example stays copy-pasteable for any model id. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function pythonString(value: string): string {
  return JSON.stringify(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Shared HTML frame. Callers pass already-escaped fragments; the title is escaped here. */
function htmlDocument(title: string, bodyHtml: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1f2933; line-height: 1.5;">',
    '<div style="max-width: 640px; margin: 0 auto; padding: 24px;">',
    bodyHtml,
    `<p style="color: #7b8794; font-size: 12px; margin-top: 32px;">Sent by ${escapeHtml(PRODUCT)}.</p>`,
    '</div>',
    '</body>',
    '</html>',
  ].join('\n');
}

function codeBlock(text: string): string {
  return `<pre style="background: #f5f7fa; padding: 12px; border-radius: 4px; overflow-x: auto;"><code>${escapeHtml(text)}</code></pre>`;
}

function usageExamples(gatewayUrl: string, model: string): { curl: string; python: string } {
  const base = gatewayUrl.replace(/\/+$/, '');
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] });
  const curl = [
    `curl ${shellQuote(`${base}/v1/chat/completions`)} \\`,
    '  -H "Authorization: Bearer $LLM_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d ${shellQuote(body)}`,
  ].join('\n');
  const python = [
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(api_key=os.environ["LLM_API_KEY"], base_url=${pythonString(base)})`,
    'response = client.chat.completions.create(',
    `    model=${pythonString(model)},`,
    '    messages=[{"role": "user", "content": "Hello!"}],',
    ')',
    'print(response.choices[0].message.content)',
  ].join('\n');
  return { curl, python };
}

const KEY_SAFETY =
  'Keep this key secret, like a password: do not share it, paste it into chats or tickets, or commit it ' +
  'to a repository. Store it in an environment variable or a secret manager. If it leaks, ask an ' +
  'administrator to revoke it.';

export function approvalMail(input: ApprovalMailInput): MailMessage {
  const { curl, python } = usageExamples(input.gatewayUrl, input.model);
  const subject = subjectLine(`API Key Approved for ${input.model}`);
  const text = [
    'Hello,',
    '',
    `your request for an API key for the model ${input.model} has been approved.`,
    '',
    'Your API key:',
    '',
    `    ${input.apiKey}`,
    '',
    `Gateway URL: ${input.gatewayUrl}`,
    '',
    KEY_SAFETY,
    '',
    'Usage: export the key once, then call the OpenAI-compatible API of the gateway.',
    '',
    `    export LLM_API_KEY=${shellQuote(input.apiKey)}`,
    '',
    'With curl:',
    '',
    curl,
    '',
    'With the OpenAI Python SDK:',
    '',
    python,
    '',
    `Request ID: ${input.requestId}`,
    '',
    `-- ${PRODUCT}`,
  ].join('\n');

  const gatewayHtml = isHttpUrl(input.gatewayUrl)
    ? `<a href="${escapeHtml(input.gatewayUrl)}">${escapeHtml(input.gatewayUrl)}</a>`
    : escapeHtml(input.gatewayUrl);
  const html = htmlDocument(
    subject,
    [
      '<h1 style="font-size: 20px;">Your API key is ready</h1>',
      `<p>Your request for an API key for the model <strong>${escapeHtml(input.model)}</strong> has been approved.</p>`,
      '<p>Your API key:</p>',
      codeBlock(input.apiKey),
      `<p>Gateway URL: ${gatewayHtml}</p>`,
      `<p style="background: #fff8e1; border-left: 4px solid #f0b429; padding: 8px 12px;">${escapeHtml(KEY_SAFETY)}</p>`,
      '<p>Usage: export the key once, then call the OpenAI-compatible API of the gateway.</p>',
      codeBlock(`export LLM_API_KEY=${shellQuote(input.apiKey)}`),
      '<p>With curl:</p>',
      codeBlock(curl),
      '<p>With the OpenAI Python SDK:</p>',
      codeBlock(python),
      `<p style="color: #7b8794;">Request ID: ${escapeHtml(input.requestId)}</p>`,
    ].join('\n'),
  );
  return { to: [input.email], subject, text, html, messageId: messageIdFor(input.requestId, 'approval') };
}

export function denialMail(input: DenialMailInput): MailMessage {
  return reasonNotice(input, 'denial', {
    subject: `API Key Request Denied for ${input.model}`,
    heading: 'API key request denied',
    statement: 'Your request for an API key for the model {model} has been denied.',
    closing: 'If you think this is a mistake, contact your administrator.',
  });
}

export function reviewNoticeMail(input: ReviewNoticeMailInput): MailMessage {
  const reason = input.reason?.trim() || NO_REASON;
  const subject = subjectLine(`Key request awaiting review: ${input.model} for ${input.email}`);
  const text = [
    'Hello,',
    '',
    `${input.email} has requested an API key for the model ${input.model}.`,
    'The request is waiting for an administrator to approve or deny it.',
    '',
    'Why it needs review:',
    reason,
    '',
    `Request ID: ${input.requestId}`,
    '',
    'Review it in the admin console, or with the admin API:',
    `    POST /api/admin/requests/${input.requestId}/approve`,
    `    POST /api/admin/requests/${input.requestId}/deny`,
    '',
    `-- ${PRODUCT}`,
  ].join('\n');
  const html = htmlDocument(
    subject,
    [
      '<h1 style="font-size: 20px;">Key request awaiting review</h1>',
      `<p><strong>${escapeHtml(input.email)}</strong> has requested an API key for the model <strong>${escapeHtml(input.model)}</strong>.</p>`,
      '<p>The request is waiting for an administrator to approve or deny it.</p>',
      `<p>Why it needs review:</p><blockquote style="white-space: pre-wrap;">${escapeHtml(reason)}</blockquote>`,
      `<p>Request ID: <code>${escapeHtml(input.requestId)}</code></p>`,
      '<p>Review it in the admin console, or with the admin API (<code>POST /api/admin/requests/&lt;id&gt;/approve</code> or <code>/deny</code>).</p>',
    ].join('\n'),
  );
  return { to: [...input.to], subject, text, html, messageId: messageIdFor(input.requestId, 'review') };
}

export function revocationMail(input: RevocationMailInput): MailMessage {
  return reasonNotice(input, 'revocation', {
    subject: `API Key Revoked for ${input.model}`,
    heading: 'API key revoked',
    statement: 'Your API key for the model {model} has been revoked and no longer works.',
    closing: 'Contact your administrator if you have questions.',
  });
}

interface ReasonNoticeWording {
  subject: string;
  heading: string;
  /** One sentence; `{model}` stands for the model id (escaped in the HTML part). */
  statement: string;
  closing: string;
}

/** A notice to the requester that carries a reason: denial and revocation. */
function reasonNotice(
  input: DenialMailInput,
  kind: 'denial' | 'revocation',
  wording: ReasonNoticeWording,
): MailMessage {
  const reason = input.reason?.trim() || NO_REASON;
  const subject = subjectLine(wording.subject);
  const [before = '', after = ''] = wording.statement.split('{model}');
  const text = [
    'Hello,',
    '',
    `${before.charAt(0).toLowerCase()}${before.slice(1)}${input.model}${after}`,
    '',
    'Reason:',
    reason,
    '',
    wording.closing,
    '',
    `Request ID: ${input.requestId}`,
    '',
    `-- ${PRODUCT}`,
  ].join('\n');
  const html = htmlDocument(
    subject,
    [
      `<h1 style="font-size: 20px;">${escapeHtml(wording.heading)}</h1>`,
      `<p>${escapeHtml(before)}<strong>${escapeHtml(input.model)}</strong>${escapeHtml(after)}</p>`,
      `<p>Reason:</p><blockquote style="white-space: pre-wrap;">${escapeHtml(reason)}</blockquote>`,
      `<p>${escapeHtml(wording.closing)}</p>`,
      `<p style="color: #7b8794;">Request ID: ${escapeHtml(input.requestId)}</p>`,
    ].join('\n'),
  );
  return { to: [input.email], subject, text, html, messageId: messageIdFor(input.requestId, kind) };
}
