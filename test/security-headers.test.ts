import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_ENV, type Harness, startHarness } from './support/service-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  if (!h) {
    throw new Error('no service');
  }
  const response = await fetch(`${h.url}${path}`, { method, headers });
  await response.arrayBuffer();
  return response;
}

/** The whole set, as the service has always sent it (helmet's defaults with our CSP, framing and
 * referrer rules), value for value. */
const EXPECTED_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';connect-src 'self';font-src 'self' data:;form-action 'self';" +
    "frame-ancestors 'none';img-src 'self' https: data:;object-src 'none';script-src 'self';" +
    "script-src-attr 'none';style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

function expectSecurityHeaders(response: Response, what: string): void {
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp, what).not.toContain('unsafe-inline');
  for (const [name, value] of Object.entries(EXPECTED_HEADERS)) {
    expect(response.headers.get(name), `${what}: ${name}`).toBe(value);
  }
}

describe('security headers', () => {
  it('are on every answer: /, /docs and its assets, the API, errors', async () => {
    h = await startHarness({ env: ADMIN_ENV, startWorker: false });
    const docs = await fetch(`${h.url}/docs`, { headers: { accept: 'text/html' } });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui-bundle.js');
    for (const [path, status] of [
      ['/', 200],
      ['/docs/static/swagger-ui-bundle.js', 200],
      ['/docs/static/swagger-initializer.js', 200],
      ['/docs/json', 200],
      ['/openapi.json', 200],
      ['/api/models', 200],
      ['/api/requests/no-such-request', 404],
      ['/api/admin/requests', 401],
      ['/no-such-route', 404],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(status);
      expectSecurityHeaders(response, path);
    }
    expectSecurityHeaders(docs, '/docs');
    // A CORS preflight is answered before any route runs.
    const preflight = await get(
      '/api/request-key',
      { origin: 'https://elsewhere.example.org', 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expectSecurityHeaders(preflight, 'preflight');
  });
});

describe('CORS on admin paths', () => {
  const EVIL = 'https://evil.example.net';

  it('gives an unlisted origin no cross-origin headers on an encoded admin path', async () => {
    h = await startHarness({ env: ADMIN_ENV, startWorker: false });
    // The router decodes %61 to "a": this is the admin route, and it must be treated as one.
    for (const path of ['/api/%61dmin/requests', '/api/admin/requests', '/%6Dcp']) {
      const simple = await get(path, { origin: EVIL });
      expect(simple.status, path).not.toBe(404);
      expect(simple.headers.get('access-control-allow-origin'), path).toBeNull();
      const preflight = await get(
        path,
        {
          origin: EVIL,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
        'OPTIONS',
      );
      expect(preflight.headers.get('access-control-allow-origin'), `preflight ${path}`).toBeNull();
    }
    // Public routes follow CORS_ORIGINS (default `*`).
    expect((await get('/api/models', { origin: EVIL })).headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a listed origin on an encoded admin path, and no other', async () => {
    const console = 'https://console.example.com';
    h = await startHarness({ env: { ...ADMIN_ENV, CORS_ORIGINS: console }, startWorker: false });
    const listed = await get('/api/%61dmin/requests', { origin: console });
    expect(listed.headers.get('access-control-allow-origin')).toBe(console);
    const unlisted = await get('/api/%61dmin/requests', { origin: EVIL });
    expect(unlisted.headers.get('access-control-allow-origin')).toBeNull();
  });
});
