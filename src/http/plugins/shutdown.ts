import fp from 'fastify-plugin';

/** During shutdown, answers still in flight close their connection: an idle keep-alive
 * connection opened by them would otherwise keep close() waiting for the client. The header
 * is set before the handler too, so routes that hijack the reply (/mcp) and copy the reply's
 * headers themselves carry it as well. */
export const shutdown = fp<Record<never, never>>(
  async (app) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('preHandler', async (_request, reply) => {
      if (closing) {
        reply.header('connection', 'close');
      }
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) {
        reply.header('connection', 'close');
      }
    });
  },
  { name: 'shutdown' },
);
