import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** What a route adds to the request's access-log line (what it did: a request's id, an
     * outcome), instead of a line of its own. Null until a route sets it. */
    accessLogFields: Record<string, unknown> | null;
  }
}

/** Methods that only read: their successful answers are routine (model lists, assets, the
 * status page, health checks and scrapes) and logged at debug. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The level of a request's one access-log line (README "Operations", LOG_LEVEL): `info` for
 * every request that may change something (every POST, a submitted key request included) and
 * every answer that is not a success (4xx, 5xx; a 5xx's error is logged at `error` besides, by
 * the error handler, with its details); `debug` for reads answered with a 2xx or 3xx. */
export function accessLogLevel(method: string, statusCode: number): 'info' | 'debug' {
  return statusCode >= 400 || !READ_METHODS.has(method) ? 'info' : 'debug';
}

/** Fastify's request logging, as the policy above says: one line per request when it is
 * answered (`request completed`, with the request, the status and the time taken; `request
 * errored` at `error` when the answer broke off), where Fastify writes two at info (`incoming
 * request` as well, which is kept at debug: it shows a request that never completes). A
 * successful read at info costs no log line at all. */
export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const base = { req: request, res: reply, responseTime: reply.elapsedTime };
    const fields = request.accessLogFields ? { ...base, ...request.accessLogFields } : base;
    if (error) {
      reply.log.error({ ...fields, err: error }, 'request errored');
      return;
    }
    reply.log[accessLogLevel(request.method, reply.statusCode)](fields, 'request completed');
  }
}

/** Gives every request its `accessLogFields` (null), so routes can fill them in. */
export const accessLogFields = fp<Record<never, never>>(
  async (app) => {
    app.decorateRequest('accessLogFields', null);
  },
  { name: 'access-log-fields' },
);
