import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildUiPage, withPortalSettings } from './ui-page.js';

const INDEX = `<!doctype html>
<html lang="en">
  <head>
    <title>LLM Key Requestor</title>
  </head>
  <body><div id="root"></div></body>
</html>`;

describe('the served index.html', () => {
  it('states the default language in a meta tag and in <html lang>', () => {
    const html = withPortalSettings(INDEX, { defaultLanguage: 'de', terms: null });
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<meta name="default-language" content="de" />\n  </head>');
    expect(html).not.toContain('terms');
  });

  it('carries terms given as text, escaped', () => {
    const terms = 'Use keys for work only.\n<b>No</b> sharing & "no" resale.';
    const html = withPortalSettings(INDEX, { defaultLanguage: 'en', terms });
    expect(html).toContain(
      '<meta name="terms-text" content="Use keys for work only.\n&lt;b&gt;No&lt;/b&gt; sharing &amp; &quot;no&quot; resale." />',
    );
  });

  it('carries terms given as one http(s) link as a link', () => {
    const html = withPortalSettings(INDEX, {
      defaultLanguage: 'es',
      terms: 'https://example.com/terms?a=1&b=2',
    });
    expect(html).toContain('<meta name="terms-url" content="https://example.com/terms?a=1&amp;b=2" />');
    // A sentence that mentions a link is text.
    expect(withPortalSettings(INDEX, { defaultLanguage: 'es', terms: 'See https://example.com' })).toContain(
      'name="terms-text"',
    );
  });

  it('puts the tags first in a page without <head>', () => {
    expect(
      withPortalSettings('<!doctype html><title>t</title>', { defaultLanguage: 'en', terms: null }),
    ).toBe('<!doctype html><meta name="default-language" content="en" /><title>t</title>');
  });

  it('is ready in brotli, gzip and uncompressed, each with its own ETag', () => {
    const page = buildUiPage(INDEX, { defaultLanguage: 'de', terms: null });
    const html = page.identity.body.toString('utf8');
    expect(html).toBe(withPortalSettings(INDEX, { defaultLanguage: 'de', terms: null }));
    expect(brotliDecompressSync(page.br.body).toString('utf8')).toBe(html);
    expect(gunzipSync(page.gzip.body).toString('utf8')).toBe(html);
    expect(new Set([page.br.etag, page.gzip.etag, page.identity.etag]).size).toBe(3);
    expect(page.identity.etag).toMatch(/^"[\w-]{22}"$/);
  });
});
