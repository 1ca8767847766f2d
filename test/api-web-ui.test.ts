import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { defaultLimits } from '../src/config/load-config.js';
import { createModelCatalog } from '../src/models/model-catalog.js';
import { createMetrics } from '../src/ops/metrics.js';
import { unlimitedNewRequests } from '../src/rate-limits/new-request-limiter.js';
import { createRequestService } from '../src/requests/request-service.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import { waitUntil } from './support/wait.js';

const INDEX =
  '<!doctype html><title>LLM keys</title><script type="module" src="/assets/app-1a2b.js"></script>';

let app: FastifyInstance | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  }
});

/** The real app over an in-memory store, serving the UI from `uiDir`. */
async function appServing(uiDir: string | null): Promise<FastifyInstance> {
  const store = createSqliteStore({ path: ':memory:' });
  const catalog = createModelCatalog({
    config: {
      models: [{ id: 'gpt-4', title: 'GPT-4' }],
      featuredModels: [],
      allowUnlistedModels: false,
      litellm: { baseUrl: '', apiKey: '', gatewayUrl: '', enableModels: false, keyDefaults: {} },
    },
    fetchProxyModels: async () => [],
    logger: { warn: () => {} },
  });
  app = await buildApp({
    config: {
      server: { host: '127.0.0.1', port: 0, corsOrigins: '*' },
      limits: defaultLimits(),
      trustProxy: false,
    },
    logger: pino({ level: 'silent' }),
    store,
    catalog,
    requests: createRequestService({ store, catalog, wakeWorker: () => {} }),
    newRequests: unlimitedNewRequests,
    admin: null,
    metrics: createMetrics({ storeStats: () => store.stats() }).registry,
    uiDir,
  });
  app.addHook('onClose', () => store.close());
  return app;
}

function builtUi(): string {
  dir = mkdtempSync(join(tmpdir(), 'lkr-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log("ui")');
  return dir;
}

describe('the web UI', () => {
  it('is served to browsers at / with a strict CSP and no caching', async () => {
    const served = await appServing(builtUi());
    const page = await served.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(INDEX);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('answers API clients at / with the status JSON', async () => {
    const served = await appServing(builtUi());
    const status = await served.inject({ url: '/', headers: { accept: 'application/json' } });
    expect(status.json()).toEqual({ message: 'LLM Key Requestor API', status: 'active' });
  });

  it('serves the hashed assets as immutable', async () => {
    const served = await appServing(builtUi());
    const asset = await served.inject({ url: '/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log("ui")');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['cache-control']).toContain('max-age=31536000');
    expect((await served.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  it('falls back to the status JSON for browsers when no UI is built', async () => {
    const served = await appServing(join(tmpdir(), 'lkr-no-such-ui'));
    const page = await served.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(page.json()).toEqual({ message: 'LLM Key Requestor API', status: 'active' });
    expect((await served.inject({ url: '/assets/app.js' })).statusCode).toBe(404);
  });
});

describe('the HTTP app', () => {
  it('marks answers still in flight at shutdown `connection: close`, so keep-alive clients let go', async () => {
    const served = await appServing(null);
    let closingStarted = () => {};
    const closing = new Promise<void>((resolve) => {
      closingStarted = resolve;
    });
    // A request that is being answered when close() begins, and finishes after it.
    let arrived = false;
    served.get('/in-flight', async () => {
      arrived = true;
      await closing;
      return { done: true };
    });
    served.addHook('preClose', async () => {
      closingStarted();
    });
    await served.listen({ host: '127.0.0.1', port: 0 });
    expect(await connectionHeader(served, '/health')).toBe('keep-alive');
    const inFlight = connectionHeader(served, '/in-flight');
    await waitUntil(() => arrived, { what: 'the request to reach its handler' });
    const closed = served.close();
    expect(await inFlight).toBe('close');
    await closed;
    app = undefined;
  });
});

/** The Connection header of a GET over a real keep-alive socket. */
function connectionHeader(served: FastifyInstance, path: string): Promise<string | undefined> {
  const { port } = served.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers: { connection: 'keep-alive' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.headers.connection));
    }).on('error', reject);
  });
}
