import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ModelIcons } from '../models/model-icons.js';
import { contentEtag, isNotModified } from './http-caching.js';
import { Failure } from './schemas.js';

export interface IconRoutesDeps {
  icons: ModelIcons;
}

/** Icons do not carry a content hash in their URL, so they are cached for a week, not for
 * good: an icon-set upgrade reaches browsers within that, and the ETag makes rechecks cheap. */
const ICON_CACHE = 'public, max-age=604800';
/** An SVG opened on its own is a document: it may show, never run anything. */
const ICON_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** The model icons the config names as Iconify ids, as SVG (models/model-icons.ts). */
export const iconRoutes: FastifyPluginAsyncTypebox<IconRoutesDeps> = async (app, { icons }) => {
  app.get(
    '/icons/:prefix/:file',
    {
      schema: {
        operationId: 'modelIcon',
        tags: ['models'],
        summary: 'A model icon named in the config, as SVG',
        description:
          'Served for the Iconify ids (`prefix:name`) that the config gives as model icons, at `/icons/<prefix>/<name>.svg`, built from the Iconify icon sets installed with the service. Any other icon: 404.',
        params: Type.Object({
          prefix: Type.String({ maxLength: 100 }),
          file: Type.String({ maxLength: 200 }),
        }),
        response: {
          200: {
            description: 'The icon',
            content: { 'image/svg+xml': { schema: Type.String() } },
          },
          304: Type.Null({ description: 'Unchanged since the ETag the browser sent' }),
          404: Failure,
        },
      },
    },
    async (request, reply) => {
      const { prefix, file } = request.params;
      const name = file.endsWith('.svg') ? file.slice(0, -'.svg'.length) : null;
      const svg = name === null ? undefined : icons.svg(prefix, name);
      if (svg === undefined) {
        return reply.status(404).send({
          message: `No icon ${prefix}:${name ?? file} here: only the Iconify icons the config names are served, as /icons/<prefix>/<name>.svg`,
          success: false,
        });
      }
      const etag = contentEtag(svg);
      reply
        .header('cache-control', ICON_CACHE)
        .header('etag', etag)
        .header('content-security-policy', ICON_CSP)
        .header('x-content-type-options', 'nosniff');
      if (isNotModified(request.headers['if-none-match'], etag)) {
        return reply.status(304).send(null);
      }
      return reply.type('image/svg+xml').send(svg);
    },
  );
};
