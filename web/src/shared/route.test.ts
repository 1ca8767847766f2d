import { describe, expect, it } from 'vitest';
import { parseRoute, statusHref } from './route.js';

describe('parseRoute', () => {
  it('sends an empty or root hash to the request page', () => {
    expect(parseRoute('')).toEqual({ page: 'request' });
    expect(parseRoute('#')).toEqual({ page: 'request' });
    expect(parseRoute('#/')).toEqual({ page: 'request' });
  });

  it('recognises the admin console with or without a trailing slash', () => {
    expect(parseRoute('#/admin')).toEqual({ page: 'admin' });
    expect(parseRoute('#/admin/')).toEqual({ page: 'admin' });
  });

  it('decodes the request id of a status route', () => {
    expect(parseRoute('#/status/abc-123')).toEqual({ page: 'status', id: 'abc-123' });
    expect(parseRoute(statusHref('a b/c'))).toEqual({ page: 'status', id: 'a b/c' });
  });

  it('treats malformed or unknown hashes as not found', () => {
    expect(parseRoute('#/status/%E0%A4%A')).toEqual({ page: 'not-found', hash: '#/status/%E0%A4%A' });
    expect(parseRoute('#/status/')).toEqual({ page: 'not-found', hash: '#/status/' });
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', hash: '#/nope' });
  });
});
