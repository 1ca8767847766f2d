import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AdminService } from '../admin/admin-service.js';
import type { AdminCredentials } from '../http/admin-auth.js';
import { Failure, RateLimited } from '../http/schemas.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import type { RequestService } from '../requests/request-service.js';
import { onceUntilFailure } from '../shared/once-until-failure.js';
import { bearerChallenge, createMcpAuth } from './mcp-auth.js';

export interface McpRoutesDeps {
  admin: AdminService;
  catalog: Pick<ModelCatalog, 'list'>;
  requests: Pick<RequestService, 'submit'>;
  /** The admin credentials (HTTP Basic); null when only the MCP key opens /mcp. */
  credentials: AdminCredentials | null;
  /** `mcp.api_key`: a Bearer key accepted besides the admin credentials; null when unset. */
  apiKey: string | null;
}

export const MCP_PATH = '/mcp';

/** What answering an MCP request needs: the SDK's transport and our tools (the SDK and zod). */
interface McpModules {
  StreamableHTTPServerTransport: typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js').StreamableHTTPServerTransport;
  createAdminMcpServer: typeof import('./admin-tools.js').createAdminMcpServer;
}

/** Loads them on first use: some 10 MB of code and heap that a server whose /mcp is never
 * called (most of them: the console and the CLI are the usual fronts) does without. A failed
 * load is not remembered, so the next request tries again. */
function lazyMcpModules(): () => Promise<McpModules> {
  return onceUntilFailure(() =>
    Promise.all([
      import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
      import('./admin-tools.js'),
    ]).then(([sdk, tools]) => ({
      StreamableHTTPServerTransport: sdk.StreamableHTTPServerTransport,
      createAdminMcpServer: tools.createAdminMcpServer,
    })),
  );
}

/** Either 401: the admin API's (Basic) or the original service's Bearer one. */
const McpUnauthorized = Type.Object(
  {
    detail: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
    error_description: Type.Optional(Type.String()),
    message: Type.String(),
    success: Type.Literal(false),
  },
  { description: 'Missing or wrong credentials; `WWW-Authenticate` names the schemes' },
);

/** The admin MCP endpoint at `/mcp` and `/mcp/` (the original service's path): Streamable HTTP
 * in stateless mode (no sessions), so any replica can answer any request. Answers are an SSE
 * stream of one message, as the original sent them; every MCP client accepts that. Registered
 * when admin credentials or an MCP key are configured; the credentials are checked on every
 * request before the body is even read. */
export const mcpRoutes: FastifyPluginAsyncTypebox<McpRoutesDeps> = async (app, deps) => {
  const { credentials, apiKey } = deps;
  const mcpModules = lazyMcpModules();
  const authenticate = createMcpAuth({ credentials, apiKey });
  const challenge = bearerChallenge({ credentials, apiKey });
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'OPTIONS' && authenticate(request) === null) {
      return reply.status(401).header('www-authenticate', challenge.headers).send(challenge.body);
    }
  });

  const security: Record<string, string[]>[] = [];
  if (credentials !== null) {
    security.push({ adminBasic: [] });
  }
  if (apiKey !== null) {
    security.push({ mcpBearer: [] });
  }
  for (const url of [MCP_PATH, `${MCP_PATH}/`]) {
    app.post(
      url,
      {
        schema: {
          // One entry in the API reference; `/mcp/` is the same endpoint.
          ...(url === MCP_PATH ? {} : { hide: true }),
          operationId: url === MCP_PATH ? 'mcp' : 'mcpSlash',
          tags: ['admin'],
          summary: 'MCP endpoint (Streamable HTTP, stateless), also at /mcp/',
          description:
            'Model Context Protocol over HTTP for admin tools: list_requests, get_request, approve_request, ' +
            "deny_request, revoke_request, and the earlier service's list_pending, list_review, approve, deny, " +
            'pending, review, request_key, list_models. Send one JSON-RPC message per POST with ' +
            '`Accept: application/json, text/event-stream`; each answer is an SSE stream of one message. ' +
            'No session id is used. Authenticate with the admin credentials or `Authorization: Bearer <MCP_API_KEY>`.',
          security,
          body: Type.Unknown({ description: 'A JSON-RPC 2.0 message (MCP)' }),
          response: {
            200: Type.Unknown({ description: 'The JSON-RPC response, as one SSE message' }),
            202: Type.Unknown({ description: 'A notification or response was accepted' }),
            401: McpUnauthorized,
            429: RateLimited,
          },
        },
      },
      (request, reply) => answer(request, reply),
    );
  }

  async function answer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // The onRequest hook let the caller in, so this names them.
    const user = authenticate(request) ?? 'unknown';
    const { StreamableHTTPServerTransport, createAdminMcpServer } = await mcpModules();
    const server = createAdminMcpServer({
      admin: deps.admin,
      catalog: deps.catalog,
      requests: deps.requests,
      user,
      log: request.log,
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    passHeaders(reply);
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (error) {
      request.log.error({ err: error }, 'MCP request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }),
        );
      }
    }
  }

  // Stateless mode has no server-to-client stream (GET) and no session to end (DELETE).
  for (const url of [MCP_PATH, `${MCP_PATH}/`]) {
    for (const method of ['GET', 'DELETE'] as const) {
      app.route({
        method,
        url,
        schema: { hide: true, response: { 405: Failure } },
        handler: async (_request, reply) =>
          reply
            .status(405)
            .header('allow', 'POST')
            .send({
              message: `Method ${method} is not allowed on ${url}: this MCP endpoint is stateless, send JSON-RPC with POST`,
              success: false,
            }),
      });
    }
  }
};

/** Headers set before the handler (x-request-id, CORS, `connection: close` during shutdown,
 * see http/plugins/shutdown.ts) live on the Fastify reply, which a hijacked answer bypasses:
 * copy them to the raw response the transport writes. */
function passHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) {
      reply.raw.setHeader(name, value);
    }
  }
}
