import fp from 'fastify-plugin';

/** The largest request body accepted (Fastify's `bodyLimit`); larger ones get a 413. */
export const BODY_LIMIT_BYTES = 16 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes an empty body sent as `application/json` as no body (the original
     * service's admin app sends its bodiless POSTs that way); the route decides what no body means. */
    allowEmptyBody?: boolean;
  }
}

/** Only JSON bodies are accepted; anything else is a 415, not a string that fails validation.
 * The parser refuses prototype-polluting keys with a message saying so. */
export const jsonBody = fp<Record<never, never>>(
  async (app) => {
    app.removeContentTypeParser(['text/plain', 'application/json']);
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      try {
        const text = String(body);
        if (text.trim() === '' && request.routeOptions.config.allowEmptyBody === true) {
          done(null, undefined);
          return;
        }
        done(null, parseJsonBody(text));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  },
  { name: 'json-body' },
);

/** A 400 with a readable message; the error handler sends its message as it is. */
class BadBodyError extends Error {
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

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
