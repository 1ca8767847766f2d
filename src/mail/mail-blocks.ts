import { escapeHtml } from './escape-html.js';

/** The product name every mail is signed with. */
export const PRODUCT = 'LLM Key Requestor';

/** Part of a paragraph. Plain strings are text; the others are marked up in HTML. */
export type Inline = string | { strong: string } | { code: string } | { link: string };

/** One block of a mail, rendered both as text and as HTML from the same content, so the two
 * parts cannot drift apart and no value reaches the HTML unescaped. */
export type Block =
  /** The HTML part's title line; the text part starts with the greeting instead. */
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; content: Inline[] }
  /** Indented by four spaces in text, so it stays copy-pasteable and stands apart from prose. */
  | { type: 'code'; text: string }
  /** A value quoted as given (a reason), line breaks kept. */
  | { type: 'quote'; text: string }
  /** A highlighted paragraph (key safety). */
  | { type: 'notice'; text: string }
  /** Small print (the request id). */
  | { type: 'small'; text: string };

export const strong = (text: string): Inline => ({ strong: text });
export const code = (text: string): Inline => ({ code: text });
export const link = (url: string): Inline => ({ link: url });

/** Header injection guard: a subject is one line whatever the model id or email holds. */
export function subjectLine(value: string): string {
  return value
    .replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Only http(s) URLs become links; anything else (`javascript:`) stays text. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function inlineText(content: Inline[]): string {
  return content
    .map((part) => {
      if (typeof part === 'string') {
        return part;
      }
      return 'strong' in part ? part.strong : 'code' in part ? part.code : part.link;
    })
    .join('');
}

function inlineHtml(content: Inline[]): string {
  return content
    .map((part) => {
      if (typeof part === 'string') {
        // Our own wording may break a line (before a link); values never reach this branch.
        return escapeHtml(part).replace(/\n/g, '<br>\n');
      }
      if ('strong' in part) {
        return `<strong>${escapeHtml(part.strong)}</strong>`;
      }
      if ('code' in part) {
        return `<code>${escapeHtml(part.code)}</code>`;
      }
      const url = escapeHtml(part.link);
      return isHttpUrl(part.link) ? `<a href="${url}">${url}</a>` : url;
    })
    .join('');
}

function blockText(block: Block): string | null {
  switch (block.type) {
    case 'heading':
      return null;
    case 'paragraph':
      return inlineText(block.content);
    case 'code':
      return block.text
        .split('\n')
        .map((line) => `    ${line}`)
        .join('\n');
    case 'quote':
    case 'notice':
    case 'small':
      return block.text;
  }
}

/** The text part: greeting, the blocks one paragraph each, signature. */
export function renderText(greeting: string, blocks: Block[]): string {
  const paragraphs = blocks.map(blockText).filter((text): text is string => text !== null);
  return [greeting, ...paragraphs, `-- ${PRODUCT}`].join('\n\n');
}

function blockHtml(block: Block): string {
  switch (block.type) {
    case 'heading':
      return `<h1 style="font-size: 20px;">${escapeHtml(block.text)}</h1>`;
    case 'paragraph':
      return `<p>${inlineHtml(block.content)}</p>`;
    case 'code':
      return `<pre style="background: #f5f7fa; padding: 12px; border-radius: 4px; overflow-x: auto;"><code>${escapeHtml(block.text)}</code></pre>`;
    case 'quote':
      return `<blockquote style="white-space: pre-wrap;">${escapeHtml(block.text)}</blockquote>`;
    case 'notice':
      return `<p style="background: #fff8e1; border-left: 4px solid #f0b429; padding: 8px 12px;">${escapeHtml(block.text)}</p>`;
    case 'small':
      return `<p style="color: #7b8794;">${escapeHtml(block.text)}</p>`;
  }
}

/** The HTML part: a complete document in `lang`, titled with the subject. */
export function renderHtml(lang: string, title: string, blocks: Block[], footer: string): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(lang)}">`,
    '<head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1f2933; line-height: 1.5;">',
    '<div style="max-width: 640px; margin: 0 auto; padding: 24px;">',
    ...blocks.map(blockHtml),
    `<p style="color: #7b8794; font-size: 12px; margin-top: 32px;">${escapeHtml(footer)}</p>`,
    '</div>',
    '</body>',
    '</html>',
  ].join('\n');
}
