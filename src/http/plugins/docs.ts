import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/** The API reference, generated from the route schemas: Swagger UI at /docs and the OpenAPI
 * document at /openapi.json. Registered before the routes, so it sees every one of them. */
export const apiDocs = fp<Record<never, never>>(
  async (app) => {
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
        components: {
          securitySchemes: {
            adminBasic: { type: 'http', scheme: 'basic' },
            mcpBearer: { type: 'http', scheme: 'bearer', description: 'MCP_API_KEY (only /mcp)' },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true }, logLevel: 'warn' }, async () => app.swagger());
  },
  { name: 'docs' },
);
