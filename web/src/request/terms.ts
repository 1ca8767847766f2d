/** The terms of use a requester must accept, as the service states them in index.html
 * (`portal.terms`, see src/http/ui-page.ts): a link, or text to show; null when the
 * operator set none, and then the form asks for no consent. */
export type Terms = { kind: 'link'; url: string } | { kind: 'text'; paragraphs: string[] };

export function portalTerms(doc: Pick<Document, 'querySelector'>): Terms | null {
  const url = metaContent(doc, 'terms-url');
  if (url !== null && /^https?:\/\//i.test(url)) {
    return { kind: 'link', url };
  }
  const text = metaContent(doc, 'terms-text');
  if (text !== null) {
    // Blank lines separate paragraphs; single line breaks stay inside one (CSS keeps them).
    const paragraphs = text
      .split(/\n\s*\n/)
      .map((paragraph) => paragraph.trim())
      .filter((paragraph) => paragraph !== '');
    return paragraphs.length === 0 ? null : { kind: 'text', paragraphs };
  }
  return null;
}

function metaContent(doc: Pick<Document, 'querySelector'>, name: string): string | null {
  const value = doc.querySelector(`meta[name="${name}"]`)?.getAttribute('content')?.trim() ?? '';
  return value === '' ? null : value;
}
