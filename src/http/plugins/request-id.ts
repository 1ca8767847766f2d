import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';

/** Fastify's `genReqId`: a client-supplied X-Request-Id is kept so logs correlate across
 * services, but only when it is short and plain: anything else must not reach the logs. */
export function requestIdFor(request: { headers: Record<string, string | string[] | undefined> }): string {
  const supplied = request.headers['x-request-id'];
  return typeof supplied === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(supplied) ? supplied : randomUUID();
}

/** Echoes the request id on every answer, the ones CORS preflights end early included. */
export const requestId = fp<Record<never, never>>(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });
  },
  { name: 'request-id' },
);
