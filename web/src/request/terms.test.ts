import { describe, expect, it } from 'vitest';
import { portalTerms } from './terms.js';

/** A document whose `<meta name=…>` tags carry the given contents. */
function page(metas: Record<string, string>) {
  return {
    querySelector: (selector: string) => {
      const name = /meta\[name="([^"]+)"\]/.exec(selector)?.[1] ?? '';
      const content = metas[name];
      return content === undefined ? null : ({ getAttribute: () => content } as unknown as Element);
    },
  };
}

describe('portalTerms', () => {
  it('is null when the service states no terms', () => {
    expect(portalTerms(page({}))).toBeNull();
    expect(portalTerms(page({ 'terms-text': '  \n ' }))).toBeNull();
  });

  it('reads a link', () => {
    expect(portalTerms(page({ 'terms-url': 'https://example.com/terms' }))).toEqual({
      kind: 'link',
      url: 'https://example.com/terms',
    });
  });

  it('never links to anything but http(s)', () => {
    expect(portalTerms(page({ 'terms-url': 'javascript:alert(1)' }))).toBeNull();
  });

  it('reads text as paragraphs split at blank lines', () => {
    expect(
      portalTerms(page({ 'terms-text': 'Use keys for work.\nKeep them secret.\n\n  Keys may be revoked. ' })),
    ).toEqual({
      kind: 'text',
      paragraphs: ['Use keys for work.\nKeep them secret.', 'Keys may be revoked.'],
    });
  });
});
