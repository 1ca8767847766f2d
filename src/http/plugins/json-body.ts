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

/** Keys a body may not hold at any depth: JSON.parse makes them own properties, but code that
 * merges or copies the body could turn them into a prototype change. */
const FORBIDDEN_KEYS = ['__proto__', 'constructor'] as const;

/** A forbidden key appears in the text as it is or with `\uXXXX` escapes (the only JSON escape
 * that can stand for a letter or `_`): a body with neither holds none and needs no walk. */
const MAY_HOLD_FORBIDDEN_KEY = /__proto__|constructor|\\u/;

function parseJsonBody(body: string): unknown {
  if (body.trim() === '') {
    throw new BadBodyError('The request body is empty: send a JSON object', 'FST_ERR_CTP_EMPTY_JSON_BODY');
  }
  let value: unknown;
  try {
    // No reviver: one called on every key costs more than the parse itself.
    value = JSON.parse(body);
  } catch (error) {
    throw new BadBodyError(
      `The request body is not valid JSON: ${(error as Error).message}`,
      'FST_ERR_CTP_INVALID_JSON_BODY',
    );
  }
  if (MAY_HOLD_FORBIDDEN_KEY.test(body)) {
    const key = forbiddenKeyIn(value);
    if (key !== null) {
      throw new BadBodyError(`The request body contains a forbidden key: ${key}`, 'LKR_FORBIDDEN_KEY');
    }
  }
  return value;
}

/** The first forbidden key at any depth of a parsed body, or null. */
function forbiddenKeyIn(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const key = forbiddenKeyIn(item);
      if (key !== null) {
        return key;
      }
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if ((FORBIDDEN_KEYS as readonly string[]).includes(key)) {
      return key;
    }
    const nested = forbiddenKeyIn((value as Record<string, unknown>)[key]);
    if (nested !== null) {
      return nested;
    }
  }
  return null;
}
