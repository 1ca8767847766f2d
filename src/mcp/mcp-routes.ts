import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { createAdminAuth } from '../http/admin-auth.js';
import type { AdminRoutesDeps } from '../http/admin-routes.js';
import { Failure } from '../http/schemas.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import { createAdminMcpServer } from './admin-tools.js';

export interface McpRoutesDeps extends AdminRoutesDeps {
  catalog: Pick<ModelCatalog, 'list'>;
}

export const MCP_PATH = '/mcp';

/** The admin MCP endpoint: Streamable HTTP in stateless mode (JSON answers, no sessions),
 * so any replica can answer any request. Registered only with admin credentials, like the
 * admin API; HTTP Basic is checked on every request before the body is even read. */
export const mcpRoutes: FastifyPluginAsyncTypebox<McpRoutesDeps> = async (
  app,
  { admin, credentials, catalog },
) => {
  const authenticate = createAdminAuth(credentials);
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'OPTIONS') {
      authenticate(request);
    }
  });

  app.post(
    MCP_PATH,
    {
      schema: {
        operationId: 'mcp',
        tags: ['admin'],
        summary: 'MCP endpoint (Streamable HTTP, stateless)',
        description:
          'Model Context Protocol over HTTP for admin tools: list_requests, get_request, approve_request, ' +
          'deny_request, revoke_request, list_models. Send one JSON-RPC message per POST with ' +
          '`Accept: application/json, text/event-stream`; answers are JSON. No session id is used.',
        security: [{ adminBasic: [] }],
        body: Type.Unknown({ description: 'A JSON-RPC 2.0 message (MCP)' }),
        response: {
          200: Type.Unknown({ description: 'The JSON-RPC response' }),
          202: Type.Unknown({ description: 'A notification or response was accepted' }),
          401: Failure,
        },
      },
    },
    async (request, reply) => {
      const user = authenticate(request);
      const server = createAdminMcpServer({ admin, catalog, user, log: request.log });
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
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
    },
  );

  // Stateless mode has no server-to-client stream (GET) and no session to end (DELETE).
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: MCP_PATH,
      schema: { hide: true },
      handler: async (_request, reply) =>
        reply
          .status(405)
          .header('allow', 'POST')
          .send({
            message: `Method ${method} is not allowed on ${MCP_PATH}: this MCP endpoint is stateless, send JSON-RPC with POST`,
            success: false,
          }),
    });
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
