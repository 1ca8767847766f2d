import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AdminService } from './admin/admin-service.js';
import type { AppConfig, LimitsConfig } from './config/app-config.js';
import type { TrustProxy } from './config/trust-proxy.js';
import { AccessLog, accessLogFields } from './http/access-log.js';
import type { AdminCredentials } from './http/admin-auth.js';
import { adminRoutes } from './http/admin-routes.js';
import { installErrorHandler } from './http/error-handler.js';
import { type IconRoutesDeps, iconRoutes } from './http/icon-routes.js';
import { type OpsRoutesDeps, opsRoutes } from './http/ops-routes.js';
import { adminAwareCors } from './http/plugins/cors.js';
import { apiDocs } from './http/plugins/docs.js';
import { BODY_LIMIT_BYTES, jsonBody } from './http/plugins/json-body.js';
import { rateLimits } from './http/plugins/rate-limits.js';
import { requestId, requestIdFor } from './http/plugins/request-id.js';
import { securityHeaders } from './http/plugins/security-headers.js';
import { shutdown } from './http/plugins/shutdown.js';
import { type StaticUiOptions, staticUi } from './http/plugins/static-ui.js';
import { type PublicRoutesDeps, publicRoutes, REQUEST_KEY_PATH } from './http/public-routes.js';
import { mcpRoutes } from './mcp/mcp-routes.js';

/** What the admin fronts need: the admin API exists with `credentials`, /mcp with them or with
 * an MCP key. */
export interface AdminFronts {
  admin: AdminService;
  credentials: AdminCredentials | null;
  mcpApiKey?: string | null;
}

export interface AppDeps
  extends PublicRoutesDeps,
    OpsRoutesDeps,
    IconRoutesDeps,
    Pick<StaticUiOptions, 'uiDir'> {
  config: Pick<AppConfig, 'server' | 'portal' | 'limits' | 'trustProxy'>;
  /** The admin fronts; absent when neither admin credentials nor an MCP key are configured (their paths are then 404). */
  admin: AdminFronts | null;
  logger: FastifyBaseLogger;
  /** Hooks that must see every route (HTTP metrics), installed before any route. */
  instrument?: (app: FastifyInstance) => void;
}

/** The HTTP application, as a list of plugins in the order of fastify/demo: what every request
 * passes first, then the external plugins, then the routes. No I/O happens here beyond what
 * the deps do; main.ts listens. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { limits } = deps.config;
  const app = Fastify({
    loggerInstance: deps.logger,
    // One access-log line per request, routine reads at debug (http/access-log.ts).
    logController: new AccessLog(),
    ...serverTimeouts(limits),
    trustProxy: trustProxyOption(deps.config.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: requestIdFor,
    ajv: {
      // Reject instead of silently fixing: extra fields and wrong types are client errors.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Beyond this many open connections, new ones are closed at once (per process).
  app.server.maxConnections = limits.maxConnections;

  await app.register(accessLogFields);
  await app.register(requestId);
  await app.register(securityHeaders);
  await app.register(shutdown);
  await app.register(jsonBody);
  installErrorHandler(app);
  deps.instrument?.(app);

  await app.register(adminAwareCors, { origins: deps.config.server.corsOrigins });
  if (limits.rateLimitsEnabled) {
    await app.register(rateLimits, { limits, requestKeyPath: REQUEST_KEY_PATH });
  }
  await app.register(apiDocs);
  await app.register(staticUi, { uiDir: deps.uiDir, portal: deps.config.portal });

  await app.register(opsRoutes, { store: deps.store, metrics: deps.metrics });
  await app.register(publicRoutes, {
    catalog: deps.catalog,
    requests: deps.requests,
    newRequests: deps.newRequests,
  });
  await app.register(iconRoutes, { icons: deps.icons });
  const { admin, credentials = null, mcpApiKey = null } = deps.admin ?? {};
  if (admin && credentials) {
    await app.register(adminRoutes, { admin, credentials });
  }
  if (admin && (credentials || mcpApiKey)) {
    await app.register(mcpRoutes, {
      admin,
      credentials,
      apiKey: mcpApiKey,
      catalog: deps.catalog,
      requests: deps.requests,
    });
  }
  return app;
}

/** Slow and greedy clients (README "Security"): headers must arrive within the headers
 * timeout and the whole request (headers and body) within the request timeout, or the
 * connection gets a 408 and is closed; a connection silent for the connection timeout is
 * closed (also while an answer is pending); an idle keep-alive connection after the
 * keep-alive timeout. Node checks the first two once per `connectionsCheckingInterval`. */
function serverTimeouts(limits: LimitsConfig) {
  return {
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
  };
}

/** Fastify's trustProxy; a hop count as proxy-addr reads one: the n hops nearest to us are proxies. */
function trustProxyOption(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}
