import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { isDue } from '../../requests/duties.js';
import { foldEmail } from '../../requests/email.js';
import { applyPatch, newRequest, type StoredRequest } from '../../requests/request-rules.js';
import { type KeyRequest, REQUEST_STATES } from '../../requests/request-types.js';
import { corruptRecord } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { fail, ok, type Result } from '../../shared/result.js';
import {
  type ListOptions,
  type Page,
  type RequestStore,
  staleVersion,
  unknownRequest,
} from '../request-store.js';
import { createLegacyMigration } from './legacy-migration.js';
import { createRequestIds } from './request-id.js';
import {
  type DecodedSecret,
  decodeSecret,
  emailHash,
  encodeSecret,
  isValidRequestId,
  LABELS,
  REQUEST_SELECTOR,
  secretName,
} from './secret-codec.js';
import { createSecretsApi } from './secrets-api.js';
import { createSharedSecrets } from './shared-secrets.js';
import { createSecretCache, createStatsCache } from './store-cache.js';
import { acknowledged, computeStats, listPage, sameContent, shuffle } from './store-rules.js';

const MAX_LIST_PAGE = 500;
const CACHED_SECRETS = 1000;

/** Where claimDue looks for due requests (requests/duties.ts), each a label selector:
 * - per state other than approved, those whose duties are owed (`!=` also matches Secrets
 *   without the handled-state label);
 * - every approved request: besides owed duties, their expiry and reminder come due by the
 *   clock, which no label selector can express. This is a scan of the approved Secrets on
 *   every pass, acceptable at the sizes served today; the watch-backed cache (docs/design.md,
 *   "Kubernetes Secret layout", planned) will keep them in memory instead;
 * - those with a link mail waiting. */
const CLAIM_SELECTORS = [
  ...REQUEST_STATES.filter((state) => state !== 'approved').map(
    (state) => `${REQUEST_SELECTOR},${LABELS.state}=${state},${LABELS.handledState}!=${state}`,
  ),
  `${REQUEST_SELECTOR},${LABELS.state}=approved`,
  `${REQUEST_SELECTOR},${LABELS.linkMailDue}`,
];

/** The store never hands Secret data to its logger: only names, states, counts and error
 * messages built without Secret contents. */
type StoreLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

export interface KubernetesStoreDeps {
  /** Already resolved by the config loader. */
  namespace: string;
  kubeConfig: KubeConfig;
  logger: StoreLogger;
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

/** RequestStore on Kubernetes Secrets, one per request (layout: secret-codec.ts).
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
  const api = createSecretsApi({
    kubeConfig,
    namespace,
    timeoutMs: deps.requestTimeoutMs ?? 10_000,
    maxConcurrent: deps.maxConcurrentRequests ?? 8,
  });
  const ids = createRequestIds({ api });
  const secrets = createSharedSecrets({ api });
  const migration = createLegacyMigration({
    api,
    logger,
    pageSize,
    intervalMs: deps.migrationIntervalMs ?? 5 * 60_000,
    clock: () => now().getTime(),
  });

  const cache = createSecretCache(CACHED_SECRETS);
  const statsCache = createStatsCache({
    ttlMs: deps.statsTtlMs ?? 10_000,
    clock: () => now().getTime(),
    load: async () => computeStats(await scan(REQUEST_SELECTOR)),
  });

  /** The request a Secret holds, or null (reported once per Secret version) when it holds none we can read. */
  function readable(secret: V1Secret): DecodedSecret | null {
    cache.remember(secret);
    const decoded = decodeSecret(secret);
    if (decoded.ok) {
      return decoded.value;
    }
    if (cache.firstReport(secret)) {
      logger.warn(
        { secret: secret.metadata?.name, namespace, problem: decoded.error.message },
        'Ignoring a key request Secret that cannot be read',
      );
    }
    return null;
  }

  async function scanSecrets(selector: string): Promise<{ decoded: DecodedSecret; secret: V1Secret }[]> {
    const found: { decoded: DecodedSecret; secret: V1Secret }[] = [];
    for await (const secret of api.listAll(selector, pageSize)) {
      const decoded = readable(secret);
      if (decoded) {
        found.push({ decoded, secret });
      }
    }
    return found;
  }

  async function scan(selector: string): Promise<KeyRequest[]> {
    return (await scanSecrets(selector)).map(({ decoded }) => decoded.request);
  }

  /** Writes `next` over `base` on condition of base's resourceVersion. */
  async function write(base: V1Secret, next: StoredRequest): Promise<Result<KeyRequest>> {
    const name = secretName(next.id);
    const result = await api.replace(name, encodeSecret(next, base));
    if (!result.ok) {
      return fail(result.error.code === 'not-found' ? unknownRequest(next.id) : staleVersion(next.id));
    }
    statsCache.invalidate();
    const decoded = readable(result.value);
    if (!decoded) {
      throw corruptRecord(`Secret ${name} cannot be read back after writing it`);
    }
    return ok(decoded.request);
  }

  async function findByEmailAndModel(email: string, model: string): Promise<KeyRequest | null> {
    await migration.ensureOnce();
    const canonical = foldEmail(email);
    const found = (await scan(`${REQUEST_SELECTOR},${LABELS.emailHash}=${emailHash(canonical)}`)).filter(
      (request) => request.email === canonical && request.model === model,
    );
    // The old service could leave duplicates; the oldest request is the one users were told about first.
    found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return found[0] ?? null;
  }

  const store: RequestStore = {
    async create(input) {
      const email = foldEmail(input.email);
      const { model } = input;
      const existing = await findByEmailAndModel(email, model);
      if (existing) {
        return { request: existing, created: false };
      }
      const id = await ids.idFor(email, model);
      const created = await api.create(
        encodeSecret(newRequest({ ...input, id, email }, now().toISOString())),
      );
      if (created.ok) {
        statsCache.invalidate();
        const decoded = readable(created.value);
        if (!decoded) {
          throw corruptRecord(`Secret ${secretName(id)} cannot be read back after creating it`);
        }
        return { request: decoded.request, created: true };
      }
      // 409 AlreadyExists: a concurrent create (here or in another replica) won the name.
      const winner = await api.get(secretName(id));
      const decoded = winner ? readable(winner) : null;
      if (!decoded || decoded.request.email !== email || decoded.request.model !== model) {
        throw corruptRecord(
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
      const decoded = secret ? readable(secret) : null;
      return decoded ? acknowledged(decoded, now().toISOString()) : null;
    },

    findByEmailAndModel,

    /** In the requested order (createdAt or updatedAt, then id). The API server lists in name
     * order, which for hashed ids is random, so this reads every Secret of the selected state
     * (paged), filters and sorts; the cursor is a keyset position, not a continue token. Cost
     * grows with the number of requests in that state: meant for the admin console, not hot paths. */
    async list(options: ListOptions): Promise<Page<KeyRequest>> {
      const { state } = options;
      const selector =
        state === undefined ? REQUEST_SELECTOR : `${REQUEST_SELECTOR},${LABELS.state}=${state}`;
      const requests = (await scan(selector)).filter(
        (request) => state === undefined || request.state === state,
      );
      return listPage(requests, options, MAX_LIST_PAGE) ?? { items: [], nextCursor: null };
    },

    async update(id, version, patch) {
      if (!isValidRequestId(id)) {
        return fail(unknownRequest(id));
      }
      const name = secretName(id);
      const cached = cache.lastSeen(name);
      const base = cached?.metadata?.resourceVersion === version ? cached : await api.get(name);
      if (!base) {
        return fail(unknownRequest(id));
      }
      cache.remember(base);
      if (base.metadata?.resourceVersion !== version) {
        return fail(staleVersion(id));
      }
      const decoded = decodeSecret(base);
      if (!decoded.ok) {
        throw corruptRecord(`Secret ${name} cannot be read (${decoded.error.message}); fix or delete it`);
      }
      const stamp = now().toISOString();
      const { request, legacy } = decoded.value;
      const next = applyPatch(acknowledged(decoded.value, stamp), patch, stamp);
      if (!legacy && sameContent(encodeSecret(next, base), base)) {
        return ok(request);
      }
      return write(base, next);
    },

    async claimDue({ owner, now: at, leaseMs, limit, policy }) {
      if (limit <= 0) {
        return [];
      }
      await migration.runIfDue();
      const scans = await Promise.all(CLAIM_SELECTORS.map(scanSecrets));
      const candidates = new Map<string, { decoded: DecodedSecret; secret: V1Secret }>();
      for (const found of scans.flat()) {
        candidates.set(found.decoded.request.id, found);
      }
      const due = [...candidates.values()].filter(({ decoded }) => isDue(decoded.request, at, policy));
      // Replicas that see the same due requests try them in different orders, so they
      // mostly claim different ones instead of all fighting over the first.
      shuffle(due);
      const claimed: KeyRequest[] = [];
      for (const { decoded, secret } of due) {
        if (claimed.length >= limit) {
          break;
        }
        try {
          const stamp = now().toISOString();
          const lease = { work: { owner, leaseUntil: at + leaseMs } };
          const result = await write(secret, applyPatch(acknowledged(decoded, stamp), lease, stamp));
          if (result.ok) {
            claimed.push(result.value);
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

    sharedSecret: (name) => secrets.get(name),

    stats: statsCache.get,

    async ping() {
      // Proves reachability, credentials and RBAC (list secrets) in one small call.
      await api.listPage(REQUEST_SELECTOR, 1);
    },

    async close() {
      cache.clear();
    },
  };
  return withPingLogging(store, logger);
}

/** Logs when readiness changes (and why), not on every probe. */
function withPingLogging(store: RequestStore, logger: StoreLogger): RequestStore {
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
