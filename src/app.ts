import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppConfig } from './config/app-config.js';
import { type AdminRoutesDeps, adminRoutes } from './http/admin-routes.js';
import { installErrorHandler } from './http/error-handler.js';
import { type OpsRoutesDeps, opsRoutes } from './http/ops-routes.js';
import { type PublicRoutesDeps, publicRoutes } from './http/public-routes.js';
import { mcpRoutes } from './mcp/mcp-routes.js';

export const BODY_LIMIT_BYTES = 16 * 1024;

export interface AppDeps extends PublicRoutesDeps, OpsRoutesDeps {
  config: Pick<AppConfig, 'server'>;
  /** The admin API; absent when no admin credentials are configured (its paths are then 404). */
  admin: AdminRoutesDeps | null;
  logger: FastifyBaseLogger;
  /** Hooks that must see every route (HTTP metrics), installed before any route. */
  instrument?: (app: FastifyInstance) => void;
}

/** The HTTP application. No I/O happens here beyond what the deps do; main.ts listens. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: requestIdFor,
    ajv: {
      // Reject instead of silently fixing: extra fields and wrong types are client errors.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // During shutdown, answers still in flight close their connection: an idle keep-alive
  // connection opened by them would otherwise keep close() waiting for the client.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
    }
  });
  // Only JSON bodies are accepted; anything else is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  installErrorHandler(app);
  deps.instrument?.(app);

  const origins = deps.config.server.corsOrigins;
  await app.register(cors, {
    // Admin routes (and /mcp) answer cross-origin only for explicitly listed origins, never for `*`.
    delegator: (request, callback) => {
      const adminPath = /^\/(api\/admin|mcp([/?]|$))/.test(request.url ?? '');
      callback(null, {
        origin: adminPath ? (origins === '*' ? false : origins) : origins,
        credentials: false,
      });
    },
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
        { name: 'admin', description: 'Review and decide (HTTP Basic)' },
        { name: 'ops', description: 'Health, readiness and metrics' },
      ],
      components: { securitySchemes: { adminBasic: { type: 'http', scheme: 'basic' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(opsRoutes, { store: deps.store, metrics: deps.metrics, uiDir: deps.uiDir });
  await app.register(publicRoutes, { catalog: deps.catalog, requests: deps.requests });
  if (deps.admin) {
    await app.register(adminRoutes, deps.admin);
    await app.register(mcpRoutes, { ...deps.admin, catalog: deps.catalog });
  }
  if (deps.uiDir !== null && existsSync(join(deps.uiDir, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(deps.uiDir, 'assets'),
      prefix: '/assets/',
      maxAge: '365d',
      immutable: true,
    });
  }
  return app;
}

/** A client-supplied X-Request-Id is kept so logs correlate across services, but only
 * when it is short and plain: anything else must not reach the logs. */
function requestIdFor(request: { headers: Record<string, string | string[] | undefined> }): string {
  const supplied = request.headers['x-request-id'];
  return typeof supplied === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(supplied) ? supplied : randomUUID();
}

class BadBodyError extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** JSON.parse that refuses prototype-polluting keys with a message saying so. */
function parseJsonBody(body: string): unknown {
  if (body.trim() === '') {
    throw new BadBodyError('The request body is empty: send a JSON object', 'FST_ERR_CTP_EMPTY_JSON_BODY');
  }
  try {
    return JSON.parse(body, (key, value) => {
      if (key === '__proto__' || key === 'constructor') {
        throw new BadBodyError(`The request body contains a forbidden key: ${key}`, 'LKR_FORBIDDEN_KEY');
      }
      return value;
    });
  } catch (error) {
    if (error instanceof BadBodyError) {
      throw error;
    }
    throw new BadBodyError(
      `The request body is not valid JSON: ${(error as Error).message}`,
      'FST_ERR_CTP_INVALID_JSON_BODY',
    );
  }
}
