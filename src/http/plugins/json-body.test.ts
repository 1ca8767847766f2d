import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../error-handler.js';
import { jsonBody } from './json-body.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** POSTs `payload` as JSON to a route that echoes the parsed body. */
async function post(payload: string) {
  app = Fastify();
  await app.register(jsonBody);
  installErrorHandler(app);
  app.post('/echo', async (request) => ({ body: request.body }));
  return app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': 'application/json' },
    payload,
  });
}

describe('the JSON body parser', () => {
  it('refuses a forbidden key at any depth and in any spelling, naming it', async () => {
    for (const [payload, key] of [
      ['{"a":{"b":[1,{"__proto__":{"x":1}}]}}', '__proto__'],
      ['[{"constructor":{"prototype":{}}}]', 'constructor'],
      ['{"\\u005f_proto__":1}', '__proto__'],
      ['{"a":{"\\u0063onstructor":1}}', 'constructor'],
    ] as const) {
      const response = await post(payload);
      expect(response.statusCode, payload).toBe(400);
      expect(response.json(), payload).toEqual({
        message: `The request body contains a forbidden key: ${key}`,
        success: false,
      });
    }
  });

  it('takes the words as values, and escapes that spell other keys', async () => {
    const body = { note: 'constructor __proto__', list: ['constructor'], 'caf\u00e9': '\u00e9' };
    const response = await post(
      '{"note":"constructor __proto__","list":["constructor"],"caf\\u00e9":"\\u00e9"}',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body });
  });
});
