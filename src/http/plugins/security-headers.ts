import helmet from '@fastify/helmet';
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
  // test/e2e/docs-page.test.ts fails on any CSP violation, so an upgrade that changes it shows.
  'style-src': ["'self'", `'${SWAGGER_LOGO_STYLE}'`],
};

/** Security headers (@fastify/helmet) on every answer, errors and 404s included: the CSP
 * above, X-Frame-Options DENY (frame-ancestors for old browsers), X-Content-Type-Options
 * nosniff, Referrer-Policy no-referrer (no page URL, status links included, leaks to an icon
 * host), and helmet's other defaults (HSTS, cross-origin isolation headers). Registered
 * before every plugin that may answer early (CORS preflights, the web UI's page). */
export const securityHeaders = fp<Record<never, never>>(
  async (app) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    });
  },
  { name: 'security-headers' },
);
