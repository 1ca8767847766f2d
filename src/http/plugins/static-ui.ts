import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface StaticUiOptions {
  /** The built web UI (`npm run build:web`: index.html and assets/); null or missing: no UI. */
  uiDir: string | null;
}

/** The built web UI: its page for browsers at `/` (API clients there keep getting the status
 * JSON of ops-routes.ts) and its hashed assets under /assets/. Without a build, nothing. */
export const staticUi = fp<StaticUiOptions>(
  async (app, { uiDir }) => {
    if (uiDir === null) {
      return;
    }
    const indexPath = join(uiDir, 'index.html');
    const indexHtml = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null;
    if (indexHtml !== null) {
      app.addHook('onRequest', async (request, reply) => {
        if (isPageRequest(request)) {
          // no-cache: after a deploy the page must point at the new hashed assets, never at deleted ones.
          // Its Content-Security-Policy is the service's one (plugins/security-headers.ts).
          return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
        }
      });
    }
    if (existsSync(join(uiDir, 'assets'))) {
      // The file names carry a content hash, so a browser may keep them for good.
      await app.register(fastifyStatic, {
        root: join(uiDir, 'assets'),
        prefix: '/assets/',
        maxAge: '365d',
        immutable: true,
      });
    }
  },
  { name: 'static-ui' },
);

function isPageRequest(request: FastifyRequest): boolean {
  return (
    (request.method === 'GET' || request.method === 'HEAD') &&
    request.routeOptions.url === '/' &&
    (request.headers.accept ?? '').includes('text/html')
  );
}
