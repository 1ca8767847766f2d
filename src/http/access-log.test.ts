import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { AccessLog, accessLogFields, accessLogLevel } from './access-log.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
  outcome?: string;
  request_id?: string;
}

const LEVEL = { debug: 20, info: 30, error: 50 };

async function appLogging(level: string) {
  const lines: Line[] = [];
  const app = Fastify({
    loggerInstance: createLogger(level, { write: (line: string) => lines.push(JSON.parse(line)) }),
    logController: new AccessLog(),
  });
  app.get('/api/models', async () => ({ models: [] }));
  await app.register(accessLogFields);
  app.post('/api/request-key', async (request) => {
    request.accessLogFields = { outcome: 'created', request_id: 'r1' };
    return { success: true };
  });
  app.get('/boom', async () => {
    throw new Error('broken');
  });
  await app.ready();
  return { app, lines };
}

describe('the access log', () => {
  it('logs changes and failures at info, successful reads at debug', () => {
    expect(accessLogLevel('GET', 200)).toBe('debug');
    expect(accessLogLevel('HEAD', 304)).toBe('debug');
    expect(accessLogLevel('OPTIONS', 204)).toBe('debug');
    expect(accessLogLevel('POST', 200)).toBe('info');
    expect(accessLogLevel('POST', 422)).toBe('info');
    expect(accessLogLevel('GET', 404)).toBe('info');
    expect(accessLogLevel('GET', 401)).toBe('info');
    expect(accessLogLevel('GET', 500)).toBe('info');
    expect(accessLogLevel('POST', 503)).toBe('info');
  });

  it('writes nothing for a successful read at info, one line for a POST, a 404 and a 500', async () => {
    const { app, lines } = await appLogging('info');
    await app.inject({ method: 'GET', url: '/api/models' });
    expect(lines).toEqual([]);

    await app.inject({ method: 'POST', url: '/api/request-key', payload: {} });
    await app.inject({ method: 'GET', url: '/nowhere?token=requester-secret' });
    await app.inject({ method: 'GET', url: '/boom' });
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(
      completed.map((line) => [line.level, line.req?.method, line.req?.url, line.res?.statusCode]),
    ).toEqual([
      [LEVEL.info, 'POST', '/api/request-key', 200],
      [LEVEL.info, 'GET', '/nowhere?token=[redacted]', 404],
      [LEVEL.info, 'GET', '/boom', 500],
    ]);
    // What the route did is on its line, not a line of its own.
    expect(completed[0]).toMatchObject({ outcome: 'created', request_id: 'r1' });
    expect(completed[1]).not.toHaveProperty('outcome');
    for (const line of completed) {
      expect(line.reqId).toEqual(expect.any(String));
      expect(line.responseTime).toEqual(expect.any(Number));
    }
    expect(lines.some((line) => line.msg === 'incoming request')).toBe(false);
    // The 500's error itself, from Fastify's default error handler (the service's logs it too).
    expect(lines.filter((line) => line.level === LEVEL.error).map((line) => line.msg)).toEqual(['broken']);
    await app.close();
  });

  it('at debug, also the incoming line and the routine reads', async () => {
    const { app, lines } = await appLogging('debug');
    await app.inject({ method: 'GET', url: '/api/models' });
    expect(lines.map((line) => [line.level, line.msg, line.req?.url])).toEqual([
      [LEVEL.debug, 'incoming request', '/api/models'],
      [LEVEL.debug, 'request completed', '/api/models'],
    ]);
    await app.close();
  });
});
