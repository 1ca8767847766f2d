import { describe, expect, it } from 'vitest';
import { nextCursor } from './link-header.js';

describe('nextCursor', () => {
  it('reads the cursor of the rel="next" page', () => {
    expect(nextCursor('</api/admin/requests?filter=all&limit=50&cursor=abc%3D%3D>; rel="next"')).toBe(
      'abc==',
    );
    expect(
      nextCursor('<https://x.example/a?cursor=1>; rel="prev", <https://x.example/a?cursor=2>; rel=next'),
    ).toBe('2');
  });

  it('is null without a header, a next link or a cursor', () => {
    expect(nextCursor(null)).toBeNull();
    expect(nextCursor('</api/admin/requests?cursor=9>; rel="prev"')).toBeNull();
    expect(nextCursor('</api/admin/requests?filter=all>; rel="next"')).toBeNull();
  });
});
