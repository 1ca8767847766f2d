import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { AppConfig } from '../config/app-config.js';
import { escapeHtml } from '../mail/escape-html.js';
import type { ContentCoding } from './content-coding.js';

/** One encoding of the page, ready to send. */
export interface PageCopy {
  body: Buffer;
  /** Differs between codings: a cache must never answer a gzip request with the brotli bytes. */
  etag: string;
}

export type UiPage = Record<ContentCoding, PageCopy>;

export type PortalSettings = AppConfig['portal'];

/** The built index.html as the service serves it: with the operator's portal settings as
 * `<meta>` tags the web UI reads (web/src/i18n/languages.ts, web/src/request/terms.ts) —
 *
 * - `<meta name="default-language" content="de">`: the language for browsers that prefer
 *   none the UI speaks (`portal.default_language`); `<html lang>` starts in it too;
 * - `<meta name="terms-url" content="https://…">` or `<meta name="terms-text" content="…">`:
 *   `portal.terms`, a link when it is one http(s) URL, else text shown in a dialog; absent
 *   when no terms are configured, and then the form asks for no consent —
 *
 * then compressed once, with brotli and gzip, since the settings are fixed for the process. */
export function buildUiPage(indexHtml: string, portal: PortalSettings): UiPage {
  const html = Buffer.from(withPortalSettings(indexHtml, portal));
  const brotli = brotliCompressSync(html, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: html.length,
    },
  });
  const hash = createHash('sha256').update(html).digest('base64url').slice(0, 22);
  return {
    br: { body: brotli, etag: `"${hash}-br"` },
    gzip: { body: gzipSync(html, { level: 9 }), etag: `"${hash}-gz"` },
    identity: { body: html, etag: `"${hash}"` },
  };
}

export function withPortalSettings(indexHtml: string, portal: PortalSettings): string {
  const tags = [`<meta name="default-language" content="${portal.defaultLanguage}" />`];
  if (portal.terms !== null) {
    const link = isLink(portal.terms);
    tags.push(`<meta name="${link ? 'terms-url' : 'terms-text'}" content="${escapeHtml(portal.terms)}" />`);
  }
  const meta = tags.join('\n    ');
  const html = indexHtml.replace(/<html\b([^>]*?)\blang="[^"]*"/i, `<html$1lang="${portal.defaultLanguage}"`);
  if (/<\/head>/i.test(html)) {
    return html.replace(/<\/head>/i, `  ${meta}\n  </head>`);
  }
  // A page without a <head> element (the parser adds one): the tags go first, after the doctype.
  const doctype = /^\s*<!doctype html>/i.exec(html)?.[0] ?? '';
  return `${doctype}${meta}${html.slice(doctype.length)}`;
}

/** One http(s) URL and nothing else: the terms live elsewhere and the form links to them. */
function isLink(terms: string): boolean {
  return /^https?:\/\/\S+$/i.test(terms) && URL.canParse(terms);
}
