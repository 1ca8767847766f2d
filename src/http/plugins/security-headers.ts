import fp from 'fastify-plugin';

/** sha256 of `.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}`. */
const SWAGGER_LOGO_STYLE = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

/** The one Content-Security-Policy of the service, on every answer: the web UI, Swagger UI at
 * /docs and the JSON routes alike. Both pages load scripts, styles and fonts only from here
 * and run no inline script; model icons may be remote images (https) or data: URLs; the
 * pages talk only to this origin; nothing may frame them. No `upgrade-insecure-requests`:
 * the service is often reached over plain HTTP inside a network, where it would break the page. */
const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'https:', 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // The one inline style allowed, by its hash: the <style> inside Swagger UI's logo (SVG).
  // test/e2e/docs-page.test.ts fails on any CSP violation, so a Swagger UI upgrade that changes it shows.
  'style-src': ["'self'", `'${SWAGGER_LOGO_STYLE}'`],
};

/** The CSP header value: directives separated by `;`, each name and its sources by spaces. */
function contentSecurityPolicy(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources].join(' '))
    .join(';');
}

/** Every security header, the same on every answer (nothing in them depends on the request):
 * the CSP above, X-Frame-Options DENY (frame-ancestors for old browsers), X-Content-Type-Options
 * nosniff, Referrer-Policy no-referrer (no page URL, status links included, leaks to an icon
 * host), and the rest of what helmet sends by default: HSTS, the cross-origin isolation
 * headers, and the legacy ones that switch old browser features off. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': contentSecurityPolicy(CSP_DIRECTIVES),
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
});

/** SECURITY_HEADERS on every answer, errors, 404s and CORS preflights included: registered
 * before every plugin that may answer early (CORS preflights, the web UI's page). Built once at
 * start, so a request costs one synchronous hook that copies them onto the reply. */
export const securityHeaders = fp<Record<never, never>>(
  async (app) => {
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(SECURITY_HEADERS);
      done();
    });
  },
  { name: 'security-headers' },
);
