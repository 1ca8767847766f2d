import type { V1Secret } from '@kubernetes/client-node';
import { type DutyPolicy, needsWork, nextDueAt } from '../../requests/duties.js';
import { type KeyRequest, REQUEST_STATES, type RequestState } from '../../requests/request-types.js';
import type { StoreStats } from '../request-store.js';
import { type DecodedSecret, decodeSecret } from './secret-codec.js';

/** A request Secret as last seen, and the request it holds (null: none we can read). */
export interface CachedSecret {
  secret: V1Secret;
  decoded: DecodedSecret | null;
  version: string;
}

/** When a request may be claimed, and since when it has been due (for claiming the longest-due first). */
interface Claimable {
  from: number;
  since: number;
}

/** A cached Secret that holds a request. */
export type ReadableSecret = CachedSecret & { decoded: DecodedSecret };

function isReadable(entry: CachedSecret | undefined): entry is ReadableSecret {
  return entry !== undefined && entry.decoded !== null;
}

export interface RequestCacheDeps {
  /** Told once per Secret version that holds no request we can read. */
  onUnreadable(secret: V1Secret, problem: string): void;
}

/** How many unreadable Secret versions are remembered as reported before the memory starts over. */
const REPORTED_BOUND = 10_000;

/** A resourceVersion is an etcd revision, a decimal integer that grows with every write. The API
 * calls it opaque, so one that is not a decimal counts as newer when it differs (the latest
 * arrival wins). */
export function isNewerVersion(candidate: string, than: string): boolean {
  const decimal = /^\d+$/;
  if (!decimal.test(candidate) || !decimal.test(than)) {
    return candidate !== than;
  }
  return candidate.length !== than.length ? candidate.length > than.length : candidate > than;
}

/** Every request Secret of the namespace, in memory, fed by the list and the watch
 * (secret-watch.ts) and by the answers to the store's own writes, with the indexes its
 * queries need: by email, the claimable time of each request, counts by state and the
 * requests waiting for the worker.
 *
 * Invariant: per name, the newest version seen wins, whatever order the watch and the write
 * answers arrive in; a name deleted at version D comes back only with a version newer than D,
 * and one a list did not hold only with a version newer than that list. Nothing here is needed
 * for correctness: every write is conditional on a resourceVersion the API server checks, so a
 * stale entry costs a conflict, never a lost update. */
export function createRequestCache({ onUnreadable }: RequestCacheDeps) {
  const entries = new Map<string, CachedSecret>();
  /** Canonical email → names of its requests. */
  const byEmail = new Map<string, Set<string>>();
  const counts = emptyCounts();
  /** Requests whose notification was given up (notificationFailure set). */
  let notificationFailed = 0;
  /** Requests whose state's duties are not done → since when (epoch ms of their last change). */
  const waiting = new Map<string, number>();
  /** Requests that come due by themselves → from when they may be claimed (epoch ms), for the
   * policy of the last claim (the worker passes the same one every time). */
  let claimable: { key: string; policy: DutyPolicy; from: Map<string, Claimable> } | null = null;
  /** Names deleted since the last list, with the version of their deletion. */
  const deleted = new Map<string, string>();
  /** Version of the last list. */
  let listedAt: string | null = null;
  const reported = new Set<string>();

  function decode(secret: V1Secret): DecodedSecret | null {
    const decoded = decodeSecret(secret);
    if (decoded.ok) {
      return decoded.value;
    }
    const key = `${secret.metadata?.name}@${secret.metadata?.resourceVersion}`;
    if (!reported.has(key)) {
      if (reported.size >= REPORTED_BOUND) {
        reported.clear();
      }
      reported.add(key);
      onUnreadable(secret, decoded.error.message);
    }
    return null;
  }

  function claimableFrom(request: KeyRequest, policy: DutyPolicy): Claimable | null {
    const due = nextDueAt(request, policy);
    if (due === null) {
      return null;
    }
    // isDue: due, and no lease still running.
    const from = Math.max(due, request.work.leaseUntil ?? Number.NEGATIVE_INFINITY);
    // Work owed at once (due 0) has been owed since the change that made it so.
    return { from, since: Math.max(from, Date.parse(request.updatedAt)) };
  }

  function index(name: string, request: KeyRequest): void {
    let names = byEmail.get(request.email);
    if (names === undefined) {
      names = new Set();
      byEmail.set(request.email, names);
    }
    names.add(name);
    counts[request.state]++;
    if (request.notificationFailure !== null) {
      notificationFailed++;
    }
    if (needsWork(request)) {
      waiting.set(name, Date.parse(request.updatedAt));
    }
    if (claimable !== null) {
      const from = claimableFrom(request, claimable.policy);
      if (from !== null) {
        claimable.from.set(name, from);
      }
    }
  }

  function unindex(name: string, request: KeyRequest): void {
    const names = byEmail.get(request.email);
    names?.delete(name);
    if (names?.size === 0) {
      byEmail.delete(request.email);
    }
    counts[request.state]--;
    if (request.notificationFailure !== null) {
      notificationFailed--;
    }
    waiting.delete(name);
    claimable?.from.delete(name);
  }

  function hold(name: string, entry: CachedSecret): void {
    const held = entries.get(name);
    if (held?.decoded) {
      unindex(name, held.decoded.request);
    }
    entries.set(name, entry);
    if (entry.decoded) {
      index(name, entry.decoded.request);
    }
  }

  function drop(name: string): void {
    const held = entries.get(name);
    if (held?.decoded) {
      unindex(name, held.decoded.request);
    }
    entries.delete(name);
  }

  function isCurrent(name: string, version: string): boolean {
    const held = entries.get(name);
    if (held !== undefined) {
      return isNewerVersion(version, held.version);
    }
    const gone = deleted.get(name);
    if (gone !== undefined) {
      return isNewerVersion(version, gone);
    }
    return listedAt === null || isNewerVersion(version, listedAt);
  }

  return {
    /** Holds `secret` unless what is held is newer (see the invariant); returns the request it
     * holds, or null (reported once per version) when it holds none we can read. */
    put(secret: V1Secret): DecodedSecret | null {
      const name = secret.metadata?.name;
      const version = secret.metadata?.resourceVersion;
      const held = name === undefined ? undefined : entries.get(name);
      if (held !== undefined && held.version === version) {
        return held.decoded;
      }
      const decoded = decode(secret);
      if (name !== undefined && version !== undefined && isCurrent(name, version)) {
        hold(name, { secret, decoded, version });
      }
      return decoded;
    },

    /** A DELETED event: `secret` carries the version of its deletion. */
    remove(secret: V1Secret): void {
      const name = secret.metadata?.name;
      const version = secret.metadata?.resourceVersion;
      if (name === undefined || version === undefined) {
        return;
      }
      const held = entries.get(name);
      // Our own create of the same name, answered before this event arrived, is newer.
      if (held !== undefined && isNewerVersion(held.version, version)) {
        return;
      }
      drop(name);
      deleted.set(name, version);
    },

    /** A complete list as of `version`: what it holds replaces everything, except entries newer
     * than it (writes answered after its snapshot). */
    reset(secrets: readonly V1Secret[], version: string): void {
      const next = new Map<string, CachedSecret>();
      for (const secret of secrets) {
        const name = secret.metadata?.name;
        const secretVersion = secret.metadata?.resourceVersion;
        if (name === undefined || secretVersion === undefined) {
          decode(secret);
          continue;
        }
        const held = entries.get(name);
        next.set(
          name,
          held?.version === secretVersion
            ? held
            : { secret, decoded: decode(secret), version: secretVersion },
        );
      }
      for (const [name, held] of entries) {
        const listed = next.get(name);
        if (isNewerVersion(held.version, listed?.version ?? version)) {
          next.set(name, held);
        }
      }
      for (const name of [...entries.keys()]) {
        drop(name);
      }
      deleted.clear();
      listedAt = version;
      for (const [name, entry] of next) {
        hold(name, entry);
      }
    },

    get(name: string): CachedSecret | undefined {
      return entries.get(name);
    },

    /** The readable requests of one canonical email. */
    byEmail(email: string): DecodedSecret[] {
      const found: DecodedSecret[] = [];
      for (const name of byEmail.get(email) ?? []) {
        const decoded = entries.get(name)?.decoded;
        if (decoded) {
          found.push(decoded);
        }
      }
      return found;
    },

    /** The requests `isDue` (requests/duties.ts) at `at`, with their Secrets, those due longest
     * first. Costs one comparison per request that will come due by itself (and sorting the due
     * ones); settled requests cost nothing. */
    due(at: number, policy: DutyPolicy): ReadableSecret[] {
      const key = JSON.stringify(policy);
      if (claimable?.key !== key) {
        claimable = { key, policy, from: new Map() };
        for (const [name, entry] of entries) {
          const from = entry.decoded ? claimableFrom(entry.decoded.request, policy) : null;
          if (from !== null) {
            claimable.from.set(name, from);
          }
        }
      }
      const due: { entry: ReadableSecret; since: number }[] = [];
      for (const [name, { from, since }] of claimable.from) {
        const entry = entries.get(name);
        if (from <= at && isReadable(entry)) {
          due.push({ entry, since });
        }
      }
      return due.sort((a, b) => a.since - b.since).map(({ entry }) => entry);
    },

    /** Every readable request, or those in `state`. */
    requests(state?: RequestState): KeyRequest[] {
      const found: KeyRequest[] = [];
      for (const { decoded } of entries.values()) {
        if (decoded && (state === undefined || decoded.request.state === state)) {
          found.push(decoded.request);
        }
      }
      return found;
    },

    /** Readable Secrets the old service wrote, not yet labelled by this one. */
    legacy(): ReadableSecret[] {
      return [...entries.values()].filter(isReadable).filter((entry) => entry.decoded.legacy);
    },

    stats(): StoreStats {
      let oldestWaitingAt: number | null = null;
      for (const since of waiting.values()) {
        oldestWaitingAt = oldestWaitingAt === null ? since : Math.min(oldestWaitingAt, since);
      }
      return { byState: { ...counts }, notificationFailed, queueDepth: waiting.size, oldestWaitingAt };
    },

    clear(): void {
      entries.clear();
      byEmail.clear();
      waiting.clear();
      claimable = null;
      deleted.clear();
      listedAt = null;
      reported.clear();
      Object.assign(counts, emptyCounts());
      notificationFailed = 0;
    },
  };
}

export type RequestCache = ReturnType<typeof createRequestCache>;

function emptyCounts(): Record<RequestState, number> {
  return Object.fromEntries(REQUEST_STATES.map((state) => [state, 0])) as Record<RequestState, number>;
}
