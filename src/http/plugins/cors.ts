import cors from '@fastify/cors';
import fp from 'fastify-plugin';

export interface CorsOptions {
  /** CORS_ORIGINS: `*` or the listed origins. */
  origins: '*' | string[];
}

/** Admin paths (the admin API and /mcp) act with an admin's credentials, so they answer
 * cross-origin only for explicitly listed origins, never for `*`; public paths follow CORS_ORIGINS. */
const ADMIN_PATH = /^\/(api\/admin|mcp([/?]|$))/;

export const adminAwareCors = fp<CorsOptions>(
  async (app, { origins }) => {
    await app.register(cors, {
      delegator: (request, callback) => {
        const adminPath = ADMIN_PATH.test(request.url ?? '');
        callback(null, {
          origin: adminPath ? (origins === '*' ? false : origins) : origins,
          credentials: false,
        });
      },
    });
  },
  { name: 'cors' },
);
