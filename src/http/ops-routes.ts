import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RequestStore } from '../store/request-store.js';

export interface OpsRoutesDeps {
  store: Pick<RequestStore, 'ping'>;
  /** Prometheus exposition; prom-client's Registry fits. */
  metrics: { metrics(): Promise<string>; contentType: string };
  readyTimeoutMs?: number;
}

/** Status, health, readiness and metrics. */
export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesDeps> = async (
  app,
  { store, metrics, readyTimeoutMs = 2000 },
) => {
  app.get(
    '/',
    {
      schema: {
        operationId: 'status',
        tags: ['ops'],
        summary: 'Service status (browsers get the web UI)',
        description: 'A browser asking for text/html gets the web UI instead, when it is built.',
        response: {
          200: Type.Union([Type.Object({ message: Type.String(), status: Type.String() }), Type.String()]),
        },
      },
    },
    async () => ({ message: 'LLM Key Requestor API', status: 'active' }),
  );

  app.get(
    '/health',
    {
      schema: {
        operationId: 'health',
        tags: ['ops'],
        summary: 'Liveness: the process serves HTTP',
        response: { 200: Type.Object({ status: Type.Literal('healthy') }) },
      },
      logLevel: 'warn',
    },
    async () => ({ status: 'healthy' as const }),
  );

  const ReadyReply = Type.Object({ status: Type.String() });
  app.get(
    '/ready',
    {
      schema: {
        operationId: 'ready',
        tags: ['ops'],
        summary: 'Readiness: the request store answers',
        response: { 200: ReadyReply, 503: ReadyReply },
      },
      logLevel: 'warn',
    },
    async (request, reply) => {
      try {
        await withTimeout(store.ping(), readyTimeoutMs);
        return { status: 'ready' };
      } catch (error) {
        request.log.warn({ err: error }, 'not ready: the request store does not answer');
        return reply.status(503).send({ status: 'unavailable' });
      }
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        tags: ['ops'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
      },
      logLevel: 'warn',
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
