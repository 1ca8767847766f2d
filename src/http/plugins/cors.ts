import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isAdminRequest } from '../admin-paths.js';
import { addVary } from '../http-caching.js';

export interface CorsOptions {
  /** CORS_ORIGINS: `*` or the listed origins (never a list holding `*`: the parser makes that `*`). */
  origins: '*' | string[];
}

/** What a preflight is told the API takes. */
const ALLOWED_METHODS = 'GET,HEAD,POST';

/** Which origins may read an answer: all, the listed ones, or none (no CORS headers at all). */
type Allowed = '*' | string[] | null;

/** Admin paths (the admin API and /mcp) act with an admin's credentials, so they answer
 * cross-origin only for explicitly listed origins, never for `*`; public paths follow
 * CORS_ORIGINS. The rule looks at the routed path (admin-paths.ts), so an encoded path that
 * reaches an admin route is an admin path too. No credentials mode.
 *
 * The answers are those @fastify/cors gave for these two option sets (every answer varies on
 * Origin; a preflight without Origin or Access-Control-Request-Method is a 400; a preflight
 * answer is a 204 naming GET, HEAD and POST and echoing the requested headers; where CORS is
 * off, OPTIONS is a 404), made by one synchronous hook that picks between two fixed rules
 * instead of building the library's options anew for every request. */
export const adminAwareCors = fp<CorsOptions>(
  async (app, { origins }) => {
    const adminOrigins: Allowed = origins === '*' ? null : origins;
    app.addHook('onRequest', (request, reply, done) => {
      // The answer depends on the Origin header: caches must key on it.
      addVary(reply, 'Origin');
      const allowed = isAdminRequest(request) ? adminOrigins : origins;
      if (allowed === null) {
        done();
        return;
      }
      const origin = request.headers.origin;
      if (allowed === '*') {
        reply.header('access-control-allow-origin', '*');
      } else if (origin !== undefined && allowed.includes(origin)) {
        reply.header('access-control-allow-origin', origin);
      }
      if (request.method === 'OPTIONS') {
        // Answered here, before authentication: the hook chain ends without done().
        answerPreflight(request, reply);
        return;
      }
      done();
    });
    // Routes every OPTIONS request, so the hook above sees it. Preflights where CORS is on are
    // answered by the hook; the rest reach this handler: CORS is off for them, nothing is here.
    app.options('*', { schema: { hide: true } }, (_request, reply) => {
      reply.callNotFound();
    });
  },
  { name: 'cors' },
);

function answerPreflight(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.headers.origin || !request.headers['access-control-request-method']) {
    reply.status(400).type('text/plain').send('Invalid Preflight Request');
    return;
  }
  reply.header('access-control-allow-methods', ALLOWED_METHODS);
  addVary(reply, 'Access-Control-Request-Headers');
  const requested = request.headers['access-control-request-headers'];
  if (requested !== undefined) {
    reply.header('access-control-allow-headers', requested);
  }
  // Some browsers wait for a body on a 204 without a length.
  reply.status(204).header('content-length', '0').send();
}
