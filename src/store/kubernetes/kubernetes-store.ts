import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { foldEmail } from '../../requests/email.js';
import { applyPatch, newRequest, type StoredRequest } from '../../requests/request-rules.js';
import type { KeyRequest } from '../../requests/request-types.js';
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
  decodeSecret,
  encodeSecret,
  isValidRequestId,
  REQUEST_SELECTOR,
  secretName,
} from './secret-codec.js';
import { createSecretWatch } from './secret-watch.js';
import { createSecretsApi } from './secrets-api.js';
import { createSharedSecrets } from './shared-secrets.js';
import { createRequestCache } from './store-cache.js';
import { acknowledged, listPage, sameContent, shuffle } from './store-rules.js';

const MAX_LIST_PAGE = 500;
/** A claim pass tries the `limit × CLAIM_WINDOW` longest-due requests first, shuffled. */
const CLAIM_WINDOW = 4;

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
  /** How often claimDue looks for Secrets of the old service again; default 5 min. */
  migrationIntervalMs?: number;
}

/** RequestStore on Kubernetes Secrets, one per request (layout: secret-codec.ts).
 *
 * Reads come from memory: the store lists the namespace's request Secrets once, then watches
 * them (secret-watch.ts), and keeps them with their indexes in store-cache.ts. Claims,
 * listings, stats and look-ups by email cost no API call and do not grow with the number of
 * settled requests. `get` reads the API server (what a caller asks for after a conflict must be
 * current). Until the first list is in, the store is not ready and its reads wait for it.
 *
 * Writes go to the API server, and their answers into memory at once, so a replica reads its
 * own writes. Concurrency (several replicas, any of which may die at any instant):
 * - create: the Secret name derives from (email, model), so concurrent creates race for one
 *   name and the API server's 409 AlreadyExists picks the winner.
 * - update and claim: a replace (PUT) carrying the resourceVersion that was read; a 409
 *   Conflict means another writer won, reported as such and never retried blindly. Memory
 *   that lags behind the API server therefore costs a conflict, never a lost update. */
export function createKubernetesStore(deps: KubernetesStoreDeps): RequestStore {
  const { namespace, kubeConfig, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const api = createSecretsApi({
    kubeConfig,
    namespace,
    timeoutMs: deps.requestTimeoutMs ?? 10_000,
    maxConcurrent: deps.maxConcurrentRequests ?? 8,
  });
  const ids = createRequestIds({ api });
  const secrets = createSharedSecrets({ api });
  const cache = createRequestCache({
    onUnreadable(secret, problem) {
      logger.warn(
        { secret: secret.metadata?.name, namespace, problem },
        'Ignoring a key request Secret that cannot be read',
      );
    },
  });
  const watch = createSecretWatch({
    api,
    selector: REQUEST_SELECTOR,
    pageSize: deps.pageSize ?? 250,
    logger,
    onList: cache.reset,
    onEvent(event) {
      if (event.type === 'DELETED') {
        cache.remove(event.secret);
      } else {
        cache.put(event.secret);
      }
    },
  });
  const migration = createLegacyMigration({
    legacy: cache.legacy,
    replace,
    logger,
    intervalMs: deps.migrationIntervalMs ?? 5 * 60_000,
    clock: () => now().getTime(),
  });

  /** The replace of every update: its answer goes into memory at once. */
  async function replace(name: string, secret: V1Secret): Promise<Result<V1Secret>> {
    const result = await api.replace(name, secret);
    if (result.ok) {
      cache.put(result.value);
    }
    return result;
  }

  /** Writes `next` over `base` on condition of base's resourceVersion. */
  async function write(base: V1Secret, next: StoredRequest): Promise<Result<KeyRequest>> {
    const name = secretName(next.id);
    const result = await replace(name, encodeSecret(next, base));
    if (!result.ok) {
      return fail(result.error.code === 'not-found' ? unknownRequest(next.id) : staleVersion(next.id));
    }
    return ok(readBack(result.value, name));
  }

  /** Reads a Secret into memory; best effort, as the watch brings it too. */
  async function refresh(name: string): Promise<void> {
    try {
      const current = await api.get(name);
      if (current) {
        cache.put(current);
      }
    } catch {
      // The API server is failing; the watch (or the next conflict) catches up later.
    }
  }

  /** The request a Secret the store just wrote holds. */
  function readBack(secret: V1Secret, name: string): KeyRequest {
    const decoded = cache.put(secret);
    if (!decoded) {
      throw corruptRecord(`Secret ${name} cannot be read back after writing it`);
    }
    return decoded.request;
  }

  async function findByEmailAndModel(email: string, model: string): Promise<KeyRequest | null> {
    await watch.synced();
    await migration.ensureOnce();
    const canonical = foldEmail(email);
    const found = cache
      .byEmail(canonical)
      .map(({ request }) => request)
      .filter((request) => request.model === model);
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
        return { request: readBack(created.value, secretName(id)), created: true };
      }
      // 409 AlreadyExists: a concurrent create (here or in another replica) won the name.
      const winner = await api.get(secretName(id));
      const decoded = winner ? cache.put(winner) : null;
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
      const decoded = secret ? cache.put(secret) : null;
      return decoded ? acknowledged(decoded, now().toISOString()) : null;
    },

    findByEmailAndModel,
    // From memory as well: the whole request is the brief.
    findBriefByEmailAndModel: findByEmailAndModel,

    /** In the requested order (createdAt or updatedAt, then id), from memory; the cursor is a
     * keyset position in that order. One pass over the requests of the selected state. */
    async list(options: ListOptions): Promise<Page<KeyRequest>> {
      await watch.synced();
      return (
        listPage(cache.requests(options.state), options, MAX_LIST_PAGE) ?? { items: [], nextCursor: null }
      );
    },

    async update(id, version, patch) {
      if (!isValidRequestId(id)) {
        return fail(unknownRequest(id));
      }
      const name = secretName(id);
      const held = cache.get(name);
      // A resourceVersion identifies the content exactly: what memory holds at that version
      // needs no fresh read.
      const base = held?.version === version ? held.secret : await api.get(name);
      if (!base) {
        return fail(unknownRequest(id));
      }
      const decoded = held?.version === version ? held.decoded : cache.put(base);
      if (base.metadata?.resourceVersion !== version) {
        return fail(staleVersion(id));
      }
      if (!decoded) {
        const problem = decodeSecret(base);
        throw corruptRecord(
          `Secret ${name} cannot be read (${problem.ok ? 'unknown' : problem.error.message}); fix or delete it`,
        );
      }
      const stamp = now().toISOString();
      const next = applyPatch(acknowledged(decoded, stamp), patch, stamp);
      if (!decoded.legacy && sameContent(encodeSecret(next, base), base)) {
        return ok(decoded.request);
      }
      return write(base, next);
    },

    async claimDue({ owner, now: at, leaseMs, limit, policy }) {
      if (limit <= 0) {
        return [];
      }
      await watch.synced();
      await migration.runIfDue();
      const due = cache.due(at, policy);
      // The longest-due first, so no request waits behind newer work for long; within the
      // first few times `limit`, in an order of this pass's own, so replicas that see the same
      // due requests mostly claim different ones instead of all fighting over the first.
      shuffle(due, limit * CLAIM_WINDOW);
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
          } else if (result.error.code === 'conflict') {
            // Another replica claimed or changed it first, and memory did not know yet: read
            // what it is now, so the next pass does not try the same stale version again
            // should the watch be slow or down. (not-found: deleted; the watch says so.)
            await refresh(secret.metadata?.name ?? secretName(decoded.request.id));
          }
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

    async stats() {
      await watch.synced();
      return cache.stats();
    },

    async ping() {
      // Proves reachability, credentials and RBAC (list secrets) in one small call...
      await api.listPage(REQUEST_SELECTOR, 1);
      // ...then that the first list is in, and that the watch is not refused for good (a Role
      // without `watch`): while it is, memory would never learn of other replicas' writes.
      await watch.synced();
      const problem = watch.problem();
      if (problem?.failure === 'forbidden' || problem?.failure === 'unauthorized') {
        throw problem;
      }
    },

    async close() {
      watch.stop();
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
