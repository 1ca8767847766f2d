import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { AppConfig } from '../src/config/app-config.js';
import { defaultLimits } from '../src/config/load-config.js';
import { createModelCatalog } from '../src/models/model-catalog.js';
import { configuredIcons, loadModelIcons } from '../src/models/model-icons.js';
import { createMetrics } from '../src/ops/metrics.js';
import { unlimitedNewRequests } from '../src/rate-limits/new-request-limiter.js';
import { createRequestService } from '../src/requests/request-service.js';
import { createRequesterTokens } from '../src/requests/requester-token.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import { waitUntil } from './support/wait.js';

const INDEX = `<!doctype html>
<html lang="en">
  <head>
    <base href="/" />
    <title>LLM keys</title>
    <script type="module" src="./assets/app-1a2b.js"></script>
  </head>
  <body><div id="root"></div></body>
</html>`;
const SCRIPT = `console.log(${JSON.stringify('the UI '.repeat(200))})`;

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

interface Serving {
  uiDir: string | null;
  portal?: AppConfig['portal'];
  icons?: string[];
}

/** The real app over an in-memory store, serving the UI from `uiDir` and the icons the
 * config names (`icons`: model icon fields). */
async function appServing({
  uiDir,
  portal = { defaultLanguage: 'de', terms: null },
  icons = [],
}: Serving): Promise<FastifyInstance> {
  const store = createSqliteStore({ path: ':memory:' });
  const config = {
    models: [
      { id: 'gpt-4', title: 'GPT-4' },
      ...icons.map((icon, index) => ({ id: `m${index}`, title: `M${index}`, icon })),
    ],
    featuredModels: [],
    allowUnlistedModels: false,
    litellm: { baseUrl: '', apiKey: '', gatewayUrl: '', enableModels: false, keyDefaults: {} },
  };
  const logger = { warn: () => {} };
  const catalog = createModelCatalog({ config, fetchProxyModels: async () => [], logger });
  app = await buildApp({
    config: {
      server: { host: '127.0.0.1', port: 0, corsOrigins: '*' },
      portal,
      limits: defaultLimits(),
      trustProxy: false,
    },
    logger: pino({ level: 'silent' }),
    store,
    catalog,
    requests: createRequestService({
      store,
      catalog,
      tokens: createRequesterTokens({ store, publicUrl: 'http://localhost:8000' }),
      lifecycle: { remindBeforeMs: 0, denyCooldownMs: 0 },
      email: { ignorePlusTags: true },
      wakeWorker: () => {},
    }),
    newRequests: unlimitedNewRequests,
    admin: null,
    metrics: createMetrics({ storeStats: () => store.stats() }).registry,
    icons: loadModelIcons({ icons: configuredIcons(config), logger }),
    uiDir,
  });
  app.addHook('onClose', () => store.close());
  return app;
}

/** A built UI as `npm run build:web` leaves it: index.html, a hashed script and its
 * brotli and gzip copies. */
function builtUi(): string {
  dir = mkdtempSync(join(tmpdir(), 'lkr-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'app-1a2b.js.br'), brotliCompressSync(SCRIPT));
  writeFileSync(join(dir, 'assets', 'app-1a2b.js.gz'), gzipSync(SCRIPT));
  return dir;
}

/** The header names a Vary header lists, lower-cased. */
function varyOf(header: string | string[] | number | undefined): string[] {
  return String(header ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
}

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the web UI', () => {
  it('is served to browsers at / with a strict CSP and no caching', async () => {
    const served = await appServing({ uiDir: builtUi() });
    const page = await served.inject({ url: '/', headers: { accept: BROWSER } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<div id="root"></div>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(varyOf(page.headers.vary)).toEqual(expect.arrayContaining(['accept', 'accept-encoding']));
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-request-id']).toEqual(expect.any(String));
  });

  it.each(['/admin', '/admin/', '/admin/requests/3f2a-9c', '/requests/3f2a-9c?token=abc.def'])(
    'answers a browser typing %s with the page, and an API client with a JSON 404',
    async (url) => {
      const served = await appServing({ uiDir: builtUi() });
      const home = await served.inject({ url: '/', headers: { accept: BROWSER } });
      const page = await served.inject({ url, headers: { accept: BROWSER } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toBe(home.body);
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toBe(home.headers['content-security-policy']);

      const api = await served.inject({ url, headers: { accept: 'application/json' } });
      expect(api.statusCode).toBe(404);
      expect(api.json()).toEqual({ message: `Route GET ${url.split('?')[0]} not found`, success: false });
      expect(varyOf(api.headers.vary)).toContain('accept');
    },
  );

  it.each([
    '/api/nothing',
    '/mcp',
    '/assets/missing.js',
    '/admin/other',
    '/requests',
    '/icons/mdi/robot.svg',
  ])('keeps the JSON 404 for %s, even for a browser', async (url) => {
    const served = await appServing({ uiDir: builtUi() });
    const answer = await served.inject({ url, headers: { accept: BROWSER } });
    expect(answer.statusCode).toBe(404);
    expect(answer.headers['content-type']).toContain('application/json');
    expect(answer.json()).toMatchObject({ success: false });
  });

  it('leaves the API reference at /docs to Swagger UI', async () => {
    const served = await appServing({ uiDir: builtUi() });
    const docs = await served.inject({ url: '/docs/', headers: { accept: BROWSER } });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('answers API clients at / with the status JSON', async () => {
    const served = await appServing({ uiDir: builtUi() });
    const status = await served.inject({ url: '/', headers: { accept: 'application/json' } });
    expect(status.json()).toEqual({ message: 'LLM Key Requestor API', status: 'active' });
    expect(varyOf(status.headers.vary)).toContain('accept');
  });

  it('sends the page brotli- or gzip-compressed as the browser accepts, and 304 when unchanged', async () => {
    const served = await appServing({ uiDir: builtUi() });
    const plain = await served.inject({ url: '/', headers: { accept: BROWSER } });
    const br = await served.inject({
      url: '/admin',
      headers: { accept: BROWSER, 'accept-encoding': 'gzip, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString('utf8')).toBe(plain.body);
    const gzip = await served.inject({ url: '/', headers: { accept: BROWSER, 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString('utf8')).toBe(plain.body);
    expect(br.headers.etag).not.toBe(gzip.headers.etag);

    const again = await served.inject({
      url: '/',
      headers: { accept: BROWSER, 'accept-encoding': 'gzip, br', 'if-none-match': String(br.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('states portal.default_language and portal.terms in the page', async () => {
    const served = await appServing({
      uiDir: builtUi(),
      portal: { defaultLanguage: 'es', terms: 'Keys are for <work> only.' },
    });
    const page = await served.inject({ url: '/requests/abc', headers: { accept: BROWSER } });
    expect(page.body).toContain('<html lang="es">');
    expect(page.body).toContain('<meta name="default-language" content="es" />');
    expect(page.body).toContain('<meta name="terms-text" content="Keys are for &lt;work&gt; only." />');
  });

  it('serves the hashed assets as immutable, pre-compressed when the browser accepts it', async () => {
    const served = await appServing({ uiDir: builtUi() });
    const asset = await served.inject({ url: '/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe(SCRIPT);
    expect(asset.headers['content-encoding']).toBeUndefined();
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['cache-control']).toContain('max-age=31536000');
    expect(varyOf(asset.headers.vary)).toContain('accept-encoding');

    const br = await served.inject({
      url: '/assets/app-1a2b.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toContain('javascript');
    expect(br.headers['cache-control']).toContain('immutable');
    expect(br.rawPayload.length).toBeLessThan(SCRIPT.length / 5);
    expect(brotliDecompressSync(br.rawPayload).toString('utf8')).toBe(SCRIPT);
    const gzip = await served.inject({ url: '/assets/app-1a2b.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString('utf8')).toBe(SCRIPT);

    // The copies are not files of their own.
    expect((await served.inject({ url: '/assets/app-1a2b.js.br' })).statusCode).toBe(404);
    expect((await served.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  it('falls back to the status JSON for browsers when no UI is built', async () => {
    const served = await appServing({ uiDir: join(tmpdir(), 'lkr-no-such-ui') });
    const page = await served.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(page.json()).toEqual({ message: 'LLM Key Requestor API', status: 'active' });
    expect((await served.inject({ url: '/admin', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    expect((await served.inject({ url: '/assets/app.js' })).statusCode).toBe(404);
  });
});

describe('GET /icons/<prefix>/<name>.svg', () => {
  it('serves an Iconify icon the config names, as SVG with a long cache', async () => {
    const served = await appServing({ uiDir: null, icons: ['simple-icons:openai', 'mdi:robot'] });
    const icon = await served.inject({ url: '/icons/simple-icons/openai.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.body).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="24" height="24" viewBox="0 0 24 24">/,
    );
    // OpenAI's mark, as in simple-icons.
    expect(icon.body).toContain('<path fill="currentColor" d="M22.282 9.821a6 6 0 0 0-.516-4.91');
    expect(icon.headers['cache-control']).toBe('public, max-age=604800');
    expect(icon.headers['content-security-policy']).toContain("default-src 'none'");
    expect(icon.headers['x-content-type-options']).toBe('nosniff');

    const unchanged = await served.inject({
      url: '/icons/simple-icons/openai.svg',
      headers: { 'if-none-match': String(icon.headers.etag) },
    });
    expect(unchanged.statusCode).toBe(304);
    expect(unchanged.body).toBe('');
    expect((await served.inject({ url: '/icons/mdi/robot.svg' })).body).toContain('viewBox="0 0 24 24"');
  });

  it.each([
    '/icons/mdi/account.svg', // in an installed set, but not in the config
    '/icons/logos/openai.svg',
    '/icons/simple-icons/openai',
    '/icons/simple-icons/openai.png',
    '/icons/simple-icons/..%2Fmdi%2Frobot.svg',
  ])('answers 404 for %s', async (url) => {
    const served = await appServing({ uiDir: null, icons: ['simple-icons:openai', 'mdi:robot'] });
    const answer = await served.inject({ url });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      message: expect.stringContaining('only the Iconify icons the config names'),
      success: false,
    });
  });
});

describe('the HTTP app', () => {
  it('marks answers still in flight at shutdown `connection: close`, so keep-alive clients let go', async () => {
    const served = await appServing({ uiDir: null });
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
