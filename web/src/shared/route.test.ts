import { describe, expect, it } from 'vitest';
import { hrefFor, legacyHashPath, parseRoute, relativePath, statusHref } from './route.js';

describe('parseRoute', () => {
  it('sends the root, with or without slashes, to the request page', () => {
    expect(parseRoute('')).toEqual({ page: 'request' });
    expect(parseRoute('/')).toEqual({ page: 'request' });
  });

  it('recognises the admin console with or without a trailing slash', () => {
    expect(parseRoute('admin')).toEqual({ page: 'admin' });
    expect(parseRoute('admin/')).toEqual({ page: 'admin' });
  });

  it("decodes the request id of the requester's page and keeps its token", () => {
    expect(parseRoute('requests/abc-123')).toEqual({ page: 'status', id: 'abc-123', token: null });
    expect(parseRoute('requests/abc-123/', '?token=t0k%2Fen')).toEqual({
      page: 'status',
      id: 'abc-123',
      token: 't0k/en',
    });
    expect(parseRoute('requests/abc', '?token=')).toEqual({ page: 'status', id: 'abc', token: null });
  });

  it('recognises a deep link to one request in the console', () => {
    expect(parseRoute('admin/requests/abc-123')).toEqual({ page: 'admin-request', id: 'abc-123' });
  });

  it('treats malformed, empty, nested or unknown paths as not found', () => {
    for (const path of [
      'requests/%E0%A4%A',
      'requests/',
      'requests/a/b',
      'admin/requests/',
      'nope',
      'status/x',
    ]) {
      expect(parseRoute(path)).toEqual({ page: 'not-found', path });
    }
  });
});

describe('hrefFor', () => {
  it('makes base-relative links that parse back to the same route', () => {
    const routes = [
      { page: 'request' },
      { page: 'admin' },
      { page: 'status', id: 'a b/c', token: null },
      { page: 'status', id: 'x', token: 'k=1&2' },
      { page: 'admin-request', id: 'id/with?odd#chars' },
    ] as const;
    for (const route of routes) {
      const url = new URL(hrefFor(route), 'https://portal.example/keys/');
      expect(parseRoute(relativePath(url.pathname, '/keys/') ?? 'outside', url.search)).toEqual(route);
    }
    expect(statusHref('abc')).toBe('requests/abc');
    expect(statusHref('abc', 'a b')).toBe('requests/abc?token=a%20b');
  });
});

describe('relativePath', () => {
  it('strips the base path, and is null outside it', () => {
    expect(relativePath('/admin', '/')).toBe('admin');
    expect(relativePath('/', '/')).toBe('');
    expect(relativePath('/keys/requests/x', '/keys/')).toBe('requests/x');
    expect(relativePath('/keys', '/keys/')).toBe('');
    expect(relativePath('/other/admin', '/keys/')).toBeNull();
  });
});

describe('legacyHashPath', () => {
  it('maps the hash routes of the earlier UI to their real paths', () => {
    expect(legacyHashPath('#/')).toBe('');
    expect(legacyHashPath('#')).toBe('');
    expect(legacyHashPath('#/admin')).toBe('admin');
    expect(legacyHashPath('#/admin/')).toBe('admin');
    expect(legacyHashPath('#/status/abc-123')).toBe('requests/abc-123');
    expect(legacyHashPath('#/status/a%20b')).toBe('requests/a%20b');
  });

  it('leaves in-page anchors and empty hashes alone', () => {
    expect(legacyHashPath('')).toBeNull();
    expect(legacyHashPath('#main')).toBeNull();
  });
});
