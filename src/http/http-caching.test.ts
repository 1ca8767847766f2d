import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { addVary, isNotModified } from './http-caching.js';

describe('isNotModified', () => {
  it.each([
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['*', true],
    ['"abd"', false],
    ['abc', false],
    [undefined, false],
  ] as const)('If-None-Match %j against "abc" → %s', (header, expected) => {
    expect(isNotModified(header, '"abc"')).toBe(expected);
  });
});

describe('addVary', () => {
  async function varyAfter(before: string | null, ...fields: string[]): Promise<string | undefined> {
    const app = Fastify();
    app.get('/', async (_request, reply) => {
      if (before !== null) {
        reply.header('vary', before);
      }
      addVary(reply, ...fields);
      return 'ok';
    });
    const answer = await app.inject({ url: '/' });
    await app.close();
    const vary = answer.headers.vary;
    return Array.isArray(vary) ? vary.join(', ') : vary;
  }

  it('adds to what is there, once per name, in any case', async () => {
    expect(await varyAfter(null, 'Accept')).toBe('Accept');
    expect(await varyAfter('Origin', 'Accept', 'Accept-Encoding')).toBe('Origin, Accept, Accept-Encoding');
    expect(await varyAfter('origin, accept', 'Accept', 'Accept-Encoding')).toBe(
      'origin, accept, Accept-Encoding',
    );
    expect(await varyAfter('*', 'Accept')).toBe('*');
  });
});
