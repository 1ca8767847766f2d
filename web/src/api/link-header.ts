/** The `cursor` of the page a `Link: <…>; rel="next"` header names, or null when there is no
 * next page (the admin list answers a bare array and names the next page this way). */
export function nextCursor(link: string | null): string | null {
  if (link === null) {
    return null;
  }
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match?.[1] !== undefined && /(^|;)\s*rel="?next"?\s*(;|$)/.test(match[2] ?? '')) {
      return new URL(match[1], 'http://placeholder.invalid/').searchParams.get('cursor');
    }
  }
  return null;
}
