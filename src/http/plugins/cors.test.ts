import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../error-handler.js';
import { adminAwareCors, type CorsOptions } from './cors.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const ELSEWHERE = 'https://elsewhere.example.org';
const CONSOLE = 'https://console.example.com';

async function serve(origins: CorsOptions['origins']): Promise<FastifyInstance> {
  app = Fastify();
  installErrorHandler(app);
  await app.register(adminAwareCors, { origins });
  app.get('/api/models', async () => ({ models: [] }));
  app.get('/api/admin/requests', async () => ({ items: [] }));
  return app;
}

function preflight(server: FastifyInstance, url: string, headers: Record<string, string>) {
  return server.inject({ method: 'OPTIONS', url, headers });
}

describe('CORS', () => {
  it('with `*`: any origin reads public answers, none reads admin ones', async () => {
    const server = await serve('*');
    const models = await server.inject({ url: '/api/models', headers: { origin: ELSEWHERE } });
    expect(models.headers['access-control-allow-origin']).toBe('*');
    expect(models.headers.vary).toBe('Origin');
    const admin = await server.inject({ url: '/api/admin/requests', headers: { origin: ELSEWHERE } });
    expect(admin.statusCode).toBe(200);
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
    expect(admin.headers.vary).toBe('Origin');
    const adminPreflight = await preflight(server, '/api/admin/requests', {
      origin: ELSEWHERE,
      'access-control-request-method': 'GET',
    });
    expect(adminPreflight.statusCode).toBe(404);
    expect(adminPreflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a preflight with 204, the methods and the requested headers', async () => {
    const server = await serve('*');
    const answer = await preflight(server, '/api/request-key', {
      origin: ELSEWHERE,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    expect(answer.statusCode).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET,HEAD,POST',
      'access-control-allow-headers': 'content-type',
      'content-length': '0',
      vary: 'Origin, Access-Control-Request-Headers',
    });
  });

  it('refuses a preflight without Origin or the method it asks for', async () => {
    const server = await serve('*');
    const halves: Record<string, string>[] = [
      { origin: ELSEWHERE },
      { 'access-control-request-method': 'POST' },
    ];
    for (const headers of halves) {
      const answer = await preflight(server, '/api/request-key', headers);
      expect(answer.statusCode).toBe(400);
      expect(answer.headers['content-type']).toBe('text/plain');
      expect(answer.body).toBe('Invalid Preflight Request');
    }
  });

  it('with a list: a listed origin is named on public and admin answers, another on none', async () => {
    const server = await serve([CONSOLE]);
    for (const url of ['/api/models', '/api/admin/requests', '/api/%61dmin/requests']) {
      const listed = await server.inject({ url, headers: { origin: CONSOLE } });
      expect(listed.headers['access-control-allow-origin'], url).toBe(CONSOLE);
      const other = await server.inject({ url, headers: { origin: ELSEWHERE } });
      expect(other.headers['access-control-allow-origin'], url).toBeUndefined();
      expect(other.headers.vary, url).toBe('Origin');
    }
    const listedPreflight = await preflight(server, '/api/admin/requests', {
      origin: CONSOLE,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    });
    expect(listedPreflight.statusCode).toBe(204);
    expect(listedPreflight.headers['access-control-allow-origin']).toBe(CONSOLE);
    expect(listedPreflight.headers['access-control-allow-headers']).toBe('authorization');
  });
});
