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
    // Synchronous hooks: they run on every request, and an async one costs a promise each time.
    app.addHook('preHandler', (_request, reply, done) => {
      if (closing) {
        reply.header('connection', 'close');
      }
      done();
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (closing) {
        reply.header('connection', 'close');
      }
      done(null, payload);
    });
  },
  { name: 'shutdown' },
);
