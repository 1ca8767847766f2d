import type { AppConfig } from '../config/app-config.js';
import type { ModelConfig } from '../config/config-schema.js';
import { MODEL_ID_PATTERN } from '../requests/limits.js';
import { proxyModelView } from './proxy-model.js';

/** A model as the API shows it: config fields minus the key settings, which are internal. */
export type ModelView = Omit<ModelConfig, 'key'>;

export interface ModelCatalog {
  /** Config models, plus the proxy's models when enabled (config wins on duplicate ids). The
   * same array until the list changes (a new proxy answer), so callers can serialise it once
   * per change (http/public-routes.ts); nobody may modify it. */
  list(): Promise<readonly ModelView[]>;
  /** The same array every time (it comes from the config alone). */
  featured(): Promise<readonly ModelView[]>;
  /** The configured entry for an id (for per-model key settings), if any. */
  configured(id: string): ModelConfig | undefined;
  isRequestable(id: string): Promise<boolean>;
}

export interface ModelCatalogDeps {
  config: Pick<AppConfig, 'models' | 'featuredModels' | 'allowUnlistedModels' | 'litellm'>;
  /** The proxy's model ids; throws when the proxy cannot be asked. */
  fetchProxyModels: () => Promise<string[]>;
  logger: { warn(obj: object, msg: string): void };
  /** How long a successful proxy answer is served before it is refreshed. */
  cacheMs?: number;
  /** How long a failed proxy call is remembered, so a dead proxy does not slow every request. */
  failureCacheMs?: number;
  /** A request never waits longer than this for the proxy. */
  waitMs?: number;
  now?: () => number;
}

const UNLISTED_ID = new RegExp(MODEL_ID_PATTERN);

export function createModelCatalog({
  config,
  fetchProxyModels,
  logger,
  cacheMs = 60_000,
  failureCacheMs = 10_000,
  waitMs = 1000,
  now = Date.now,
}: ModelCatalogDeps): ModelCatalog {
  const configured = new Map<string, ModelConfig>();
  for (const model of [...config.featuredModels, ...config.models]) {
    configured.set(model.id, model);
  }
  const configViews = config.models.map(toView);

  let proxyIds: string[] = [];
  let freshUntil = 0;
  let refreshing: Promise<void> | null = null;

  function refresh(): Promise<void> {
    refreshing ??= fetchProxyModels()
      .then(
        (ids) => {
          proxyIds = ids;
          freshUntil = now() + cacheMs;
        },
        (error: unknown) => {
          // Keep the last good list; the config list is always served.
          freshUntil = now() + failureCacheMs;
          logger.warn(
            { err: String(error) },
            'LiteLLM model list unavailable; serving the configured models',
          );
        },
      )
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  /** One empty list, so that list() sees the same answer each time and builds its list once. */
  const noProxyModels: string[] = [];
  async function proxyModels(): Promise<string[]> {
    if (!config.litellm.enableModels) {
      return noProxyModels;
    }
    if (now() >= freshUntil) {
      // Stale-while-revalidate: wait briefly for a fresh list, never longer than waitMs.
      await Promise.race([refresh(), new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
    }
    return proxyIds;
  }

  /** The last list and the proxy answer it was built from. */
  let listed: { from: string[]; models: readonly ModelView[] } | null = null;
  async function list(): Promise<readonly ModelView[]> {
    const ids = await proxyModels();
    if (listed === null || listed.from !== ids) {
      const extra = ids.filter((id) => !configured.has(id)).map(proxyModelView);
      listed = { from: ids, models: [...configViews, ...extra] };
    }
    return listed.models;
  }

  const featured: readonly ModelView[] =
    config.featuredModels.length > 0
      ? config.featuredModels.map(toView)
      : config.models.filter((model) => model.featured === true).map(toView);

  return {
    list,
    async featured() {
      return featured;
    },
    configured: (id) => configured.get(id),
    async isRequestable(id) {
      if (configured.has(id)) {
        return true;
      }
      if (config.allowUnlistedModels) {
        return UNLISTED_ID.test(id);
      }
      return (await proxyModels()).includes(id);
    },
  };
}

function toView({ key: _key, ...view }: ModelConfig): ModelView {
  return view;
}
