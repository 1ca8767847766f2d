import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import { isAdminRequest } from '../admin-paths.js';

export interface CorsOptions {
  /** CORS_ORIGINS: `*` or the listed origins. */
  origins: '*' | string[];
}

/** Admin paths (the admin API and /mcp) act with an admin's credentials, so they answer
 * cross-origin only for explicitly listed origins, never for `*`; public paths follow
 * CORS_ORIGINS. The rule looks at the routed path (admin-paths.ts), so an encoded path that
 * reaches an admin route is an admin path too. */
export const adminAwareCors = fp<CorsOptions>(
  async (app, { origins }) => {
    // Two fixed option sets, built once: the delegator only picks one per request.
    const publicOptions = { origin: origins, credentials: false };
    const adminOptions = { origin: origins === '*' ? false : origins, credentials: false };
    await app.register(cors, {
      delegator: (request, callback) => {
        callback(null, isAdminRequest(request) ? adminOptions : publicOptions);
      },
    });
  },
  { name: 'cors' },
);
