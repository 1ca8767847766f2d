import { existsSync } from 'node:fs';
import { KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { type KeyRequest, REQUEST_STATES } from '../requests/request-types.js';
import { createLegacyMigration } from './kubernetes-legacy-migration.js';
import { createRequestIds } from './kubernetes-request-id.js';
import {
  decodeSecret,
  emailHash,
  encodeSecret,
  isValidRequestId,
  LABELS,
  normaliseEmail,
  REQUEST_SELECTOR,
  secretName,
} from './kubernetes-secret-codec.js';
import { createSecretsApi } from './kubernetes-secrets-api.js';
import type { KubernetesStoreLogger } from './kubernetes-store-logger.js';
import {
  applyPatch,
  computeStats,
  decodeCursor,
  encodeCursor,
  isDue,
  newestFirst,
  sameContent,
  shuffle,
} from './kubernetes-store-rules.js';
import type { ListOptions, Page, RequestStore, StoreStats, UpdateResult } from './request-store.js';

export { KubernetesApiError } from './kubernetes-secrets-api.js';
export type { KubernetesStoreLogger } from './kubernetes-store-logger.js';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const MAX_LIST_PAGE = 500;
const CACHED_SECRETS = 1000;

export interface KubernetesStoreDeps {
  /** Already resolved by the config loader. */
  namespace: string;
  kubeConfig: KubeConfig;
  logger: KubernetesStoreLogger;
  /** Clock for timestamps and sweeps. */
  now?: () => Date;
  /** Per API request; default 10 s. */
  requestTimeoutMs?: number;
  /** API requests in flight at once; default 8. */
  maxConcurrentRequests?: number;
  /** `limit` of each list call; default 250. */
  pageSize?: number;
  /** How long stats() may answer from its last full scan; default 10 s. */
  statsTtlMs?: number;
  /** How often claimDue looks for Secrets of the old service again; default 5 min. */
  migrationIntervalMs?: number;
}

/** In a pod: the service account. Elsewhere: KUBECONFIG (read by client-node from the
 * process environment), else ~/.kube/config. */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kubeConfig.loadFromCluster();
  } else {
    kubeConfig.loadFromDefault();
  }
  return kubeConfig;
}

/** RequestStore on Kubernetes Secrets, one per request (layout: kubernetes-secret-codec.ts).
 *
 * Concurrency (several replicas, any of which may die at any instant):
 * - create: the Secret name derives from (email, model), so concurrent creates race for one
 *   name and the API server's 409 AlreadyExists picks the winner.
 * - update and claim: a replace (PUT) carrying the resourceVersion that was read; a 409
 *   Conflict means another writer won, reported as such and never retried blindly.
 * Queries are label selectors (email hash, state, handled state), paged with limit/continue,
 * so look-ups and claiming do not grow with the number of settled requests. */
export function createKubernetesStore(deps: KubernetesStoreDeps): RequestStore {
  const { namespace, kubeConfig, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const pageSize = deps.pageSize ?? 250;
  const statsTtlMs = deps.statsTtlMs ?? 10_000;
  const api = createSecretsApi({
    kubeConfig,
    namespace,
    timeoutMs: deps.requestTimeoutMs ?? 10_000,
    maxConcurrent: deps.maxConcurrentRequests ?? 8,
  });
  const ids = createRequestIds({ api });
  const migration = createLegacyMigration({
    api,
    logger,
    pageSize,
    intervalMs: deps.migrationIntervalMs ?? 5 * 60_000,
    clock: () => now().getTime(),
  });

  // The last Secret seen per name. An update whose version matches needs no fresh read:
  // a resourceVersion identifies the content exactly.
  const seen = new Map<string, V1Secret>();
  const remember = (secret: V1Secret) => {
    const name = secret.metadata?.name;
    if (name !== undefined) {
      seen.delete(name);
      seen.set(name, secret);
      if (seen.size > CACHED_SECRETS) {
        const oldest = seen.keys().next().value;
        if (oldest !== undefined) {
          seen.delete(oldest);
        }
      }
    }
  };

  // Each unreadable Secret version is reported once, not on every scan.
  const reported = new Set<string>();
  function readable(secret: V1Secret): { request: KeyRequest; legacy: boolean } | null {
    remember(secret);
    const decoded = decodeSecret(secret);
    if (decoded.ok) {
      return decoded;
    }
    const key = `${secret.metadata?.name}@${secret.metadata?.resourceVersion}`;
    if (!reported.has(key)) {
      if (reported.size > CACHED_SECRETS) {
        reported.clear();
      }
      reported.add(key);
      logger.warn(
        { secret: secret.metadata?.name, namespace, problem: decoded.problem },
        'Ignoring a key request Secret that cannot be read',
      );
    }
    return null;
  }

  async function scanSecrets(selector: string): Promise<{ request: KeyRequest; secret: V1Secret }[]> {
    const found: { request: KeyRequest; secret: V1Secret }[] = [];
    for await (const secret of api.listAll(selector, pageSize)) {
      const decoded = readable(secret);
      if (decoded) {
        found.push({ request: decoded.request, secret });
      }
    }
    return found;
  }

  async function scan(selector: string): Promise<KeyRequest[]> {
    return (await scanSecrets(selector)).map(({ request }) => request);
  }

  let statsCache: { at: number; value: Promise<StoreStats> } | null = null;
  const invalidateStats = () => {
    statsCache = null;
  };

  /** Writes `next` over `base` on condition of base's resourceVersion. */
  async function write(base: V1Secret, next: Omit<KeyRequest, 'version'>): Promise<UpdateResult> {
    const name = secretName(next.id);
    const result = await api.replace(name, encodeSecret(next, base));
    if (!result.ok) {
      return result;
    }
    invalidateStats();
    const decoded = readable(result.secret);
    if (!decoded) {
      throw new Error(`Secret ${name} cannot be read back after writing it`);
    }
    return { ok: true, request: decoded.request };
  }

  async function findByEmailAndModel(email: string, model: string): Promise<KeyRequest | null> {
    await migration.ensureOnce();
    const normalised = normaliseEmail(email);
    const found = (await scan(`${REQUEST_SELECTOR},${LABELS.emailHash}=${emailHash(normalised)}`)).filter(
      (request) => request.email === normalised && request.model === model,
    );
    // The old service could leave duplicates; the oldest request is the one users were told about first.
    found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return found[0] ?? null;
  }

  const store: RequestStore = {
    async create({ email: rawEmail, model }) {
      const email = normaliseEmail(rawEmail);
      const existing = await findByEmailAndModel(email, model);
      if (existing) {
        return { request: existing, created: false };
      }
      const id = await ids.idFor(email, model);
      const stamp = now().toISOString();
      const fresh: Omit<KeyRequest, 'version'> = {
        id,
        email,
        model,
        state: 'pending',
        reason: null,
        apiKey: null,
        pendingKey: null,
        handledState: null,
        createdAt: stamp,
        updatedAt: stamp,
        work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
      };
      const created = await api.create(encodeSecret(fresh));
      if (created.ok) {
        invalidateStats();
        const decoded = readable(created.secret);
        if (!decoded) {
          throw new Error(`Secret ${secretName(id)} cannot be read back after creating it`);
        }
        return { request: decoded.request, created: true };
      }
      // 409 AlreadyExists: a concurrent create (here or in another replica) won the name.
      const winner = await api.get(secretName(id));
      const decoded = winner ? readable(winner) : null;
      if (!decoded || decoded.request.email !== email || decoded.request.model !== model) {
        throw new Error(
          `Secret ${secretName(id)} exists but does not hold a readable request for this email and model`,
        );
      }
      return { request: decoded.request, created: false };
    },

    async get(id) {
      if (!isValidRequestId(id)) {
        return null;
      }
      const secret = await api.get(secretName(id));
      return secret ? (readable(secret)?.request ?? null) : null;
    },

    findByEmailAndModel,

    /** Newest first (createdAt, then id). The API server lists in name order, which for
     * hashed ids is random, so this reads every Secret of the selected state (paged) and
     * sorts; the cursor is a keyset position, not a continue token. Cost grows with the
     * number of requests in that state: meant for the admin console, not hot paths. */
    async list({ state, limit, cursor }: ListOptions): Promise<Page<KeyRequest>> {
      const size = Math.max(1, Math.min(limit, MAX_LIST_PAGE));
      const after = cursor === undefined ? null : decodeCursor(cursor);
      if (cursor !== undefined && after === null) {
        return { items: [], nextCursor: null };
      }
      const selector =
        state === undefined ? REQUEST_SELECTOR : `${REQUEST_SELECTOR},${LABELS.state}=${state}`;
      const sorted = (await scan(selector))
        .filter((request) => state === undefined || request.state === state)
        .sort(newestFirst);
      const rest = after === null ? sorted : sorted.filter((request) => newestFirst(request, after) > 0);
      const items = rest.slice(0, size);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rest.length > size && last ? encodeCursor(last) : null,
      };
    },

    async update(id, version, patch): Promise<UpdateResult> {
      if (!isValidRequestId(id)) {
        return { ok: false, reason: 'not-found' };
      }
      const name = secretName(id);
      const cached = seen.get(name);
      const base = cached?.metadata?.resourceVersion === version ? cached : await api.get(name);
      if (!base) {
        return { ok: false, reason: 'not-found' };
      }
      remember(base);
      if (base.metadata?.resourceVersion !== version) {
        return { ok: false, reason: 'conflict' };
      }
      const decoded = decodeSecret(base);
      if (!decoded.ok) {
        throw new Error(`Secret ${name} cannot be read (${decoded.problem}); fix or delete it`);
      }
      const next = applyPatch(decoded.request, patch, now().toISOString());
      if (!decoded.legacy && sameContent(encodeSecret(next, base), base)) {
        return { ok: true, request: decoded.request };
      }
      return write(base, next);
    },

    async claimDue({ owner, now: at, leaseMs, limit }) {
      if (limit <= 0) {
        return [];
      }
      await migration.runIfDue();
      // Work is "state differs from handled state"; `!=` also matches Secrets without the label.
      const perState = await Promise.all(
        REQUEST_STATES.map((state) =>
          scanSecrets(`${REQUEST_SELECTOR},${LABELS.state}=${state},${LABELS.handledState}!=${state}`),
        ),
      );
      const due = perState.flat().filter(({ request }) => isDue(request, at));
      // Replicas that see the same due requests try them in different orders, so they
      // mostly claim different ones instead of all fighting over the first.
      shuffle(due);
      const claimed: KeyRequest[] = [];
      for (const { request, secret } of due) {
        if (claimed.length >= limit) {
          break;
        }
        try {
          const result = await write(secret, {
            ...request,
            work: { ...request.work, owner, leaseUntil: at + leaseMs },
          });
          if (result.ok) {
            claimed.push(result.request);
          }
          // conflict: another replica claimed or changed it first; not-found: deleted. Skip either way.
        } catch (error) {
          if (claimed.length === 0) {
            throw error;
          }
          // Hand over what we hold rather than strand those leases until they expire.
          logger.warn(
            { err: error instanceof Error ? error.message : String(error), claimed: claimed.length },
            'Claiming stopped early',
          );
          break;
        }
      }
      return claimed;
    },

    async stats() {
      const at = now().getTime();
      if (statsCache === null || at - statsCache.at >= statsTtlMs) {
        // Concurrent callers share one scan; a failed scan is not remembered.
        const entry = { at, value: scan(REQUEST_SELECTOR).then(computeStats) };
        statsCache = entry;
        entry.value.catch(() => {
          if (statsCache === entry) {
            statsCache = null;
          }
        });
      }
      return statsCache.value;
    },

    async ping() {
      // Proves reachability, credentials and RBAC (list secrets) in one small call.
      await api.listPage(REQUEST_SELECTOR, 1);
    },

    async close() {
      seen.clear();
    },
  };
  return withPingLogging(store, logger);
}

/** Logs when readiness changes (and why), not on every probe. */
function withPingLogging(store: RequestStore, logger: KubernetesStoreLogger): RequestStore {
  let problem: string | null = null;
  return {
    ...store,
    async ping() {
      try {
        await store.ping();
        if (problem !== null) {
          logger.info({}, 'Kubernetes API reachable again');
          problem = null;
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== problem) {
          logger.warn({ reason: message }, 'Kubernetes store is not ready');
          problem = message;
        }
        throw error;
      }
    },
  };
}
