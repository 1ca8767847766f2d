import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { LimitsConfig, RateLimit } from '../../config/app-config.js';
import { rateLimited } from '../../rate-limits/rate-limited.js';
import { isAdminRequest } from '../admin-paths.js';

export interface RateLimitsOptions {
  limits: Pick<LimitsConfig, 'requestKeyPerIp' | 'failedSignInsPerIp'>;
  /** The route every submission goes to (public-routes.ts). */
  requestKeyPath: string;
}

type Limiter = ReturnType<FastifyRequest['server']['createRateLimit']>;

/** Per-client-IP limits (@fastify/rate-limit, in memory, so per process; the client IP is
 * Fastify's `request.ip`, which honours X-Forwarded-For only under `trust_proxy`):
 * - every POST to the request route, duplicates included;
 * - wrong admin credentials on the admin API and /mcp, and wrong MCP Bearer keys (admin-auth.ts
 *   `failedSignIn`): after `max` of them, every admin request from that address answers 429
 *   until the window ends, right credentials included, so guessing on cannot find the password
 *   or the key. Missing credentials count for nothing.
 * Registered only when `limits.enabled`; a `max` of 0 switches that limit off. */
export const rateLimits = fp<RateLimitsOptions>(
  async (app, { limits, requestKeyPath }) => {
    await app.register(rateLimit, { global: false });
    const limiter = (limit: RateLimit): Limiter | null =>
      limit.max === 0 ? null : app.createRateLimit({ max: limit.max, timeWindow: limit.windowMs });
    const submissions = limiter(limits.requestKeyPerIp);
    const signIns = limiter(limits.failedSignInsPerIp);

    // The hooks see every request but are synchronous until a limit is asked: most requests
    // are for neither limit, and an async hook would cost each of them a promise.
    if (submissions) {
      app.addHook('onRequest', (request, _reply, done) => {
        if (request.method !== 'POST' || request.routeOptions.url !== requestKeyPath) {
          done();
          return;
        }
        settle(async () => {
          const limit = await submissions(request);
          if (!limit.isAllowed && limit.isExceeded) {
            throw rateLimited('Too many key requests from your network address', limit.ttl);
          }
        }, done);
      });
    }

    if (signIns) {
      app.addHook('onRequest', (request, _reply, done) => {
        if (request.method === 'OPTIONS' || !isAdminRequest(request)) {
          done();
          return;
        }
        settle(async () => {
          // Only read here: the count moves on failed sign-ins alone (onSend below).
          const limit = await signIns(request, { increment: false });
          if (!limit.isAllowed && limit.remaining === 0) {
            throw rateLimited('Too many failed sign-ins from your network address', limit.ttl);
          }
        }, done);
      });
      // Before the 401 leaves, so the client's next attempt already sees the count; every 401
      // of a failed sign-in is counted, the admin API's and /mcp's Basic and Bearer ones alike.
      app.addHook('onSend', (request, _reply, payload, done) => {
        if (request.signInFailed !== true) {
          done(null, payload);
          return;
        }
        signIns(request).then(
          () => done(null, payload),
          (error: Error) => done(error),
        );
      });
    }
  },
  { name: 'rate-limits' },
);

/** Runs `check` and ends a callback-style hook with its outcome: done() when it passes, done(error)
 * when it throws (a 429 or a failure of the limiter). */
function settle(check: () => Promise<void>, done: (error?: Error) => void): void {
  check().then(() => done(), done);
}
