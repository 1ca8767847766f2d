import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, storeUnavailable } from '../shared/errors.js';
import { installErrorHandler } from './error-handler.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app whose one route throws `error`, logging into `lines`. */
async function throwing(error: unknown) {
  const lines: Record<string, unknown>[] = [];
  const logger: FastifyBaseLogger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  app = Fastify({ loggerInstance: logger });
  installErrorHandler(app);
  app.get('/boom', async () => {
    throw error;
  });
  const response = await app.inject({ url: '/boom' });
  return { response, errors: lines.filter((line) => line.level === 50) };
}

describe('the error handler', () => {
  it('answers a store outage 503 with a message to retry, logged as an error', async () => {
    const { response, errors } = await throwing(storeUnavailable(new Error('ECONNREFUSED')));
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      message: 'The request store is unavailable, please retry shortly',
      success: false,
    });
    expect(errors).toHaveLength(1);
  });

  it('tells the client nothing of where the store lives, only the log does', async () => {
    const detail = 'get secret s: API server answered 503 (namespace "keys" at https://10.0.0.1:6443)';
    const { response, errors } = await throwing(new AppError('store-unavailable', detail));
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      message: 'The request store is unavailable, please retry shortly',
      success: false,
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe(detail);
  });

  it.each([
    ['a broken invariant', new AppError('internal', 'record 42 has no state')],
    ['a corrupt record', new AppError('bad-response', 'Secret lkr-1 has an unreadable history')],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'state')")],
  ])('answers %s 500 without its details, logged as an error', async (_what, error) => {
    const { response, errors } = await throwing(error);
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ message: 'Internal server error', success: false });
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain(error.message);
  });

  it('sends Retry-After with a rate-limited answer, and logs nothing for it', async () => {
    const { response, errors } = await throwing(
      new AppError('rate-limited', 'Too many key requests', { retryAfterSeconds: 42 }),
    );
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('42');
    expect(response.json()).toEqual({ message: 'Too many key requests', success: false });
    expect(errors).toEqual([]);
  });
});
