import pino from 'pino';
// The one place that knows where the service's app builder lives: if it moves, fix this line.
import { buildApp } from '../../src/app.js';
import { defaultLimits } from '../../src/config/load-config.js';

type AppDeps = Parameters<typeof buildApp>[0];

/** A dependency that must never be used: building the app only registers routes and their
 * schemas, so any call on it means the document would depend on runtime state. */
function inert<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      if (property === 'then') {
        return undefined; // not a thenable: `await inert(...)` must not call it
      }
      return () => {
        throw new Error(`${name}.${String(property)} was called while generating the OpenAPI document`);
      };
    },
  });
}

/** The service's OpenAPI document, as `/openapi.json` serves it, built without a server,
 * a store or a config file. Admin routes are included (they exist whenever credentials are set). */
export async function openApiDocument(): Promise<unknown> {
  const deps: AppDeps = {
    config: {
      server: { host: '127.0.0.1', port: 0, corsOrigins: [] },
      portal: { defaultLanguage: 'en', terms: null },
      limits: defaultLimits(),
      trustProxy: false,
    },
    logger: pino({ enabled: false }),
    store: inert('store'),
    metrics: { contentType: 'text/plain', metrics: async () => '' },
    uiDir: null,
    catalog: inert('catalog'),
    requests: inert('requests'),
    icons: inert('icons'),
    newRequests: inert('newRequests'),
    admin: { admin: inert('admin'), credentials: { username: 'openapi', password: 'openapi' } },
  };
  const app = await buildApp(deps);
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
  }
}
