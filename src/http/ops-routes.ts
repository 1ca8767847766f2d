import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RequestStore } from '../store/request-store.js';

export interface OpsRoutesDeps {
  store: Pick<RequestStore, 'ping'>;
  /** Prometheus exposition; prom-client's Registry fits. */
  metrics: { metrics(): Promise<string>; contentType: string };
  /** Built web UI (index.html inside), served to browsers at `/` when present. */
  uiDir: string | null;
  readyTimeoutMs?: number;
}

/** The UI loads nothing from elsewhere and runs no inline script; model icons may be remote images. */
const UI_CSP = "default-src 'self'; img-src 'self' https: data:; connect-src 'self'; frame-ancestors 'none'";

/** Status, health, readiness, metrics and the OpenAPI document. */
export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesDeps> = async (
  app,
  { store, metrics, uiDir, readyTimeoutMs = 2000 },
) => {
  const indexPath = uiDir === null ? null : join(uiDir, 'index.html');
  const indexHtml = indexPath !== null && existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null;

  app.get(
    '/',
    {
      schema: {
        operationId: 'status',
        tags: ['ops'],
        summary: 'Service status (browsers get the web UI)',
        response: {
          200: Type.Union([Type.Object({ message: Type.String(), status: Type.String() }), Type.String()]),
        },
      },
    },
    async (request, reply) => {
      if (indexHtml !== null && (request.headers.accept ?? '').includes('text/html')) {
        // no-cache: after a deploy the page must point at the new hashed assets, never at deleted ones.
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('content-security-policy', UI_CSP)
          .header('x-content-type-options', 'nosniff')
          .send(indexHtml);
      }
      return { message: 'LLM Key Requestor API', status: 'active' };
    },
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

  app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
