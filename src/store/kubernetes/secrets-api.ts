import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  type KubeConfig,
  type Middleware,
  ServerConfiguration,
  type V1Secret,
} from '@kubernetes/client-node';
import { AppError } from '../../shared/errors.js';
import { fail, ok, type Result } from '../../shared/result.js';
import { KubernetesApiError, toApiError } from './api-errors.js';
import { createWatchStream, type WatchSecrets } from './watch-stream.js';

export interface SecretsApiDeps {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Per request, including reading the body; a hung API server must not hang the worker. */
  timeoutMs: number;
  /** Requests in flight at once from this process; the rest wait their turn. */
  maxConcurrent: number;
  /** How long the server keeps one watch open before the client reconnects; default 300 s. */
  watchSeconds?: number;
}

export interface SecretPage {
  items: V1Secret[];
  continueToken: string | null;
  /** The list's resourceVersion: a watch started from it sees every later change. */
  resourceVersion: string;
}

/** The few Secret operations the store needs, in the namespace it was given, with
 * conflicts and absences as values and everything else as KubernetesApiError. */
export interface SecretsApi {
  get(name: string): Promise<V1Secret | null>;
  /** The Secret as stored, or `conflict` when one of that name exists already (409 AlreadyExists). */
  create(secret: V1Secret): Promise<Result<V1Secret>>;
  /** PUT; conditional when `secret.metadata.resourceVersion` is set. The Secret as stored, or
   * `conflict` (409: the resourceVersion is no longer current) or `not-found` (404). */
  replace(name: string, secret: V1Secret): Promise<Result<V1Secret>>;
  listPage(labelSelector: string, limit: number, continueToken?: string): Promise<SecretPage>;
  /** A long-lived stream, outside the limit on calls in flight (watch-stream.ts). */
  watch: WatchSecrets;
}

export function createSecretsApi({
  kubeConfig,
  namespace,
  timeoutMs,
  maxConcurrent,
  watchSeconds = 300,
}: SecretsApiDeps): SecretsApi {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new Error('The kubeconfig has no current cluster');
  }
  const timeout: Middleware = {
    async pre(context) {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return context;
    },
    async post(context) {
      return context;
    },
  };
  // The same wiring as KubeConfig.makeApiClient, plus the timeout middleware.
  const core = new CoreV1Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      promiseMiddleware: [timeout],
    }),
  );
  const limit = createLimiter(maxConcurrent);
  const where = `namespace ${JSON.stringify(namespace)} at ${cluster.server}`;

  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await limit(run);
    } catch (error) {
      throw toApiError(error, what, where, timeoutMs);
    }
  }

  /** Runs a call whose 404/409 answers are expected outcomes rather than failures. */
  async function expecting<T>(what: string, run: () => Promise<T>): Promise<T | 404 | 409> {
    try {
      return await limit(run);
    } catch (error) {
      if (error instanceof ApiException && (error.code === 404 || error.code === 409)) {
        return error.code;
      }
      throw toApiError(error, what, where, timeoutMs);
    }
  }

  const api: SecretsApi = {
    async get(name) {
      const result = await expecting(`get secret ${name}`, () =>
        core.readNamespacedSecret({ name, namespace }),
      );
      return result === 404 || result === 409 ? null : result;
    },

    async create(secret) {
      const result = await expecting('create secret', () =>
        core.createNamespacedSecret({ namespace, body: secret }),
      );
      if (result === 409) {
        return fail(
          new AppError('conflict', `secret ${secret.metadata?.name} already exists`, { status: 409 }),
        );
      }
      if (result === 404) {
        throw new KubernetesApiError('rejected', `create secret: namespace not found (${where})`, 404);
      }
      return ok(result);
    },

    async replace(name, secret) {
      const result = await expecting(`replace secret ${name}`, () =>
        core.replaceNamespacedSecret({ name, namespace, body: secret }),
      );
      if (result === 404) {
        return fail(new AppError('not-found', `secret ${name} does not exist`, { status: 404 }));
      }
      if (result === 409) {
        return fail(new AppError('conflict', `secret ${name} changed since it was read`, { status: 409 }));
      }
      return ok(result);
    },

    async listPage(labelSelector, pageSize, continueToken) {
      const list = await call('list secrets', () =>
        core.listNamespacedSecret({
          namespace,
          labelSelector,
          limit: pageSize,
          ...(continueToken === undefined ? {} : { _continue: continueToken }),
        }),
      );
      return {
        items: list.items,
        continueToken: list.metadata?._continue || null,
        resourceVersion: list.metadata?.resourceVersion ?? '',
      };
    },

    watch: createWatchStream({ kubeConfig, namespace, timeoutMs, watchSeconds, where }),
  };
  return api;
}

/** At most `max` calls in flight; the others wait in arrival order. */
function createLimiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function limit<T>(run: () => Promise<T>): Promise<T> {
    if (active >= max) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      active++;
    }
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) {
        next();
      } else {
        active--;
      }
    }
  };
}
