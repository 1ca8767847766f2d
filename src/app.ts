import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppConfig } from './config/app-config.js';
import { installErrorHandler } from './http/error-handler.js';
import { type OpsRoutesDeps, opsRoutes } from './http/ops-routes.js';
import { type PublicRoutesDeps, publicRoutes } from './http/public-routes.js';

export const BODY_LIMIT_BYTES = 16 * 1024;

export interface AppDeps extends PublicRoutesDeps, OpsRoutesDeps {
  config: Pick<AppConfig, 'server'>;
  logger: FastifyBaseLogger;
  /** Hooks that must see every route (HTTP metrics), installed before any route. */
  instrument?: (app: FastifyInstance) => void;
}

/** The HTTP application. No I/O happens here beyond what the deps do; main.ts listens. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    // A client-supplied id is kept (bounded) so logs can be correlated across services.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: {
      // Reject instead of silently fixing: extra fields and wrong types are client errors.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', async (request) => {
    const supplied = request.headers['x-request-id'];
    if (typeof supplied === 'string' && !/^[A-Za-z0-9._-]{1,128}$/.test(supplied)) {
      // Fastify already took the header as the id; an oversized or odd value must not reach the logs.
      request.id = randomUUID();
    }
  });

  installErrorHandler(app);
  deps.instrument?.(app);

  await app.register(cors, {
    origin: deps.config.server.corsOrigins === '*' ? '*' : deps.config.server.corsOrigins,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'LLM Key Requestor API',
        description: 'Self-service LiteLLM API keys behind an approval chain.',
        version: '1.0.0',
      },
      tags: [
        { name: 'models', description: 'What can be requested' },
        { name: 'requests', description: 'Key requests' },
        { name: 'ops', description: 'Health, readiness and metrics' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(opsRoutes, { store: deps.store, metrics: deps.metrics, uiDir: deps.uiDir });
  await app.register(publicRoutes, { catalog: deps.catalog, requests: deps.requests });
  return app;
}
