import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { preferredCoding } from '../content-coding.js';
import { addVary, isNotModified } from '../http-caching.js';
import { buildUiPage, type PortalSettings, type UiPage } from '../ui-page.js';

export interface StaticUiOptions {
  /** The built web UI (`npm run build:web`: index.html and assets/); null or missing: no UI. */
  uiDir: string | null;
  portal: PortalSettings;
}

/** The UI's pages besides `/` (web/src/shared/route.ts): typed, bookmarked or linked from a
 * mail, each answered with the same index.html, which routes in the browser. */
const PAGE_PATHS = ['/admin', '/admin/', '/admin/requests/:id', '/requests/:id'];

/** The built web UI: its page for browsers at `/` (API clients there keep getting the status
 * JSON of ops-routes.ts) and at the UI's own paths (API clients get the JSON 404 they always
 * got), and its hashed assets under /assets/. Page and assets go out brotli- or
 * gzip-compressed when the browser accepts it, from copies made once (the build writes
 * `.br`/`.gz` next to each asset). Without a build, nothing. */
export const staticUi = fp<StaticUiOptions>(
  async (app, { uiDir, portal }) => {
    if (uiDir === null) {
      return;
    }
    const indexPath = join(uiDir, 'index.html');
    if (existsSync(indexPath)) {
      const page = buildUiPage(readFileSync(indexPath, 'utf8'), portal);
      // Synchronous: it runs on every request, and only `/` needs it.
      app.addHook('onRequest', (request, reply, done) => {
        if (request.routeOptions.url !== '/' || !isGetOrHead(request)) {
          done();
          return;
        }
        // One URL, two answers: caches must key them by the Accept header.
        addVary(reply, 'Accept');
        if (wantsHtml(request)) {
          // Answered here: the hook chain ends without done().
          sendPage(page, request, reply);
          return;
        }
        done();
      });
      for (const url of PAGE_PATHS) {
        app.get(url, { schema: { hide: true } }, async (request, reply) => {
          addVary(reply, 'Accept');
          return wantsHtml(request) ? sendPage(page, request, reply) : reply.callNotFound();
        });
      }
    }
    if (existsSync(join(uiDir, 'assets'))) {
      // The file names carry a content hash, so a browser may keep them for good.
      await app.register(fastifyStatic, {
        root: join(uiDir, 'assets'),
        prefix: '/assets/',
        maxAge: '365d',
        immutable: true,
        preCompressed: true,
        // The compressed copies are served in place of their original, never under their own name.
        allowedPath: (path) => !/\.(?:br|gz)$/.test(path),
      });
    }
  },
  { name: 'static-ui' },
);

function sendPage(page: UiPage, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const coding = preferredCoding(request.headers['accept-encoding'], ['br', 'gzip', 'identity']);
  const copy = page[coding];
  reply
    .type('text/html; charset=utf-8')
    // no-cache: after a deploy the page must point at the new hashed assets, never at deleted
    // ones; the ETag makes the check cheap.
    .header('cache-control', 'no-cache')
    .header('etag', copy.etag);
  // Its Content-Security-Policy and nosniff are the service's (plugins/security-headers.ts).
  addVary(reply, 'Accept', 'Accept-Encoding');
  if (isNotModified(request.headers['if-none-match'], copy.etag)) {
    return reply.status(304).send();
  }
  if (coding !== 'identity') {
    reply.header('content-encoding', coding);
  }
  return reply.send(copy.body);
}

function isGetOrHead(request: FastifyRequest): boolean {
  return request.method === 'GET' || request.method === 'HEAD';
}

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}
