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

/** Why a call to the API server failed, in words an operator can act on. Messages never
 * carry Secret contents: they are built from the status code and the server's Status message. */
export type KubernetesFailure =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'expired'
  | 'rejected';

/** The store cannot answer: to every caller this is the one AppError code `store-unavailable`
 * (503 over HTTP, a retry for the worker); `failure` tells operators which way it failed. */
export class KubernetesApiError extends AppError {
  constructor(
    readonly failure: KubernetesFailure,
    message: string,
    status?: number,
  ) {
    super('store-unavailable', message, status === undefined ? {} : { status });
    this.name = 'KubernetesApiError';
  }
}

export interface SecretsApiDeps {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Per request, including reading the body; a hung API server must not hang the worker. */
  timeoutMs: number;
  /** Requests in flight at once from this process; the rest wait their turn. */
  maxConcurrent: number;
}

export interface SecretPage {
  items: V1Secret[];
  continueToken: string | null;
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
  /** Every Secret matching the selector, fetched `pageSize` at a time. */
  listAll(labelSelector: string, pageSize: number): AsyncGenerator<V1Secret>;
}

export function createSecretsApi({
  kubeConfig,
  namespace,
  timeoutMs,
  maxConcurrent,
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
      return { items: list.items, continueToken: list.metadata?._continue || null };
    },

    async *listAll(labelSelector, pageSize) {
      let token: string | undefined;
      do {
        const page = await api.listPage(labelSelector, pageSize, token);
        yield* page.items;
        token = page.continueToken ?? undefined;
      } while (token !== undefined);
    },
  };
  return api;
}

function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return '';
    }
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'message' in parsed &&
    typeof parsed.message === 'string'
  ) {
    return parsed.message.slice(0, 300);
  }
  return '';
}

function toApiError(error: unknown, what: string, where: string, timeoutMs: number): KubernetesApiError {
  if (error instanceof KubernetesApiError) {
    return error;
  }
  if (error instanceof ApiException) {
    const code = error.code;
    const detail = statusMessage(error.body);
    const suffix = detail === '' ? '' : `: ${detail}`;
    if (code === 401) {
      return new KubernetesApiError(
        'unauthorized',
        `${what}: the API server rejected our credentials (401, ${where})`,
        code,
      );
    }
    if (code === 403) {
      return new KubernetesApiError(
        'forbidden',
        `${what}: forbidden (403, ${where}); the service account needs get/list/create/update on secrets${suffix}`,
        code,
      );
    }
    if (code === 410) {
      return new KubernetesApiError('expired', `${what}: list continue token expired (410)${suffix}`, code);
    }
    return new KubernetesApiError(
      'rejected',
      `${what}: API server answered ${code} (${where})${suffix}`,
      code,
    );
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new KubernetesApiError(
      'timeout',
      `${what}: no answer from the API server within ${timeoutMs} ms (${where})`,
    );
  }
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? ` ${error.code}`
      : '';
  return new KubernetesApiError('unreachable', `${what}: cannot reach the API server${code} (${where})`);
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
