import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from '../../shared/logger.js';
import { backoffMs } from '../../worker/backoff.js';
import { KubernetesApiError } from './api-errors.js';
import type { SecretsApi } from './secrets-api.js';
import type { SecretEvent } from './watch-stream.js';

export interface SecretWatchDeps {
  api: Pick<SecretsApi, 'listPage' | 'watch'>;
  selector: string;
  /** `limit` of each list call. */
  pageSize: number;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Every Secret the selector matches, as of `resourceVersion`: a first list or a re-list. */
  onList(secrets: V1Secret[], resourceVersion: string): void;
  onEvent(event: Exclude<SecretEvent, { type: 'BOOKMARK' }>): void;
  /** The wait before the `attempt`th try in a row after failures; default 0.5 s doubling to 30 s. */
  backoff?: (attempt: number) => number;
}

export interface SecretWatch {
  /** Resolves once the first list is in (starting the watch on the first call). Until then it
   * waits for the list in flight, or rejects at once with why the last one failed (the next
   * try is already scheduled). */
  synced(): Promise<void>;
  /** Why the watch or list is down right now (it is being retried), or null. */
  problem(): KubernetesApiError | null;
  /** Ends the watch for good. */
  stop(): void;
}

/** List once, then watch from the list's resourceVersion, for as long as the process runs:
 * - the server ends every watch after a while (`timeoutSeconds`): watch again from the last
 *   version seen (events and bookmarks move it);
 * - 410 Gone (that version is compacted away): list everything again, then watch from there;
 * - any other failure (unreachable, 5xx, 403, a silent stream): retry with backoff, from the
 *   last version seen, so a short outage costs no re-list.
 * Nothing here decides what the Secrets mean: `onList` and `onEvent` do (store-cache.ts). */
export function createSecretWatch(deps: SecretWatchDeps): SecretWatch {
  const { api, selector, pageSize, logger } = deps;
  const backoff = deps.backoff ?? ((attempt: number) => backoffMs(attempt, { baseMs: 500, maxMs: 30_000 }));
  const abort = new AbortController();
  let started = false;
  let version: string | null = null;
  let isSynced = false;
  let listing: Promise<void> | null = null;
  let failure: KubernetesApiError | null = null;
  let reported: string | null = null;
  let wake: (() => void) | null = null;

  async function list(): Promise<void> {
    const secrets: V1Secret[] = [];
    let first: string | null = null;
    let token: string | undefined;
    do {
      const page = await api.listPage(selector, pageSize, token);
      // Pages of one list share a snapshot on a real API server; should they not, the watch
      // from the first page's version replays whatever changed while paging.
      first ??= page.resourceVersion;
      secrets.push(...page.items);
      token = page.continueToken ?? undefined;
    } while (token !== undefined);
    deps.onList(secrets, first);
    version = first;
    if (!isSynced) {
      isSynced = true;
      logger.info({ secrets: secrets.length }, 'Watching key request Secrets');
    }
  }

  function recovered(): void {
    if (failure !== null) {
      failure = null;
      if (reported !== null) {
        logger.info({}, 'Watching key request Secrets again');
        reported = null;
      }
    }
  }

  function fail(error: KubernetesApiError, retryInMs: number): void {
    failure = error;
    // Until the first list is in, whoever waits for it (readiness, the first request) is told.
    if (isSynced && error.message !== reported) {
      reported = error.message;
      logger.warn({ reason: error.message, retry_in_ms: retryInMs }, 'Watching key request Secrets failed');
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    // 410s in a row without an event in between: the first re-lists at once, later ones wait.
    let expirations = 0;
    while (!abort.signal.aborted) {
      // Whether this try got anywhere: a failure after that starts the backoff over.
      let heard = false;
      const hear = () => {
        heard = true;
        recovered();
      };
      let error: KubernetesApiError;
      try {
        if (version === null) {
          listing = list();
          await listing;
          hear();
        }
        await api.watch(
          selector,
          version ?? '',
          {
            onOpen: hear,
            onEvent(event) {
              hear();
              expirations = 0;
              if (event.type !== 'BOOKMARK') {
                deps.onEvent(event);
              }
              version =
                event.type === 'BOOKMARK'
                  ? event.resourceVersion
                  : (event.secret.metadata?.resourceVersion ?? version);
            },
          },
          abort.signal,
        );
        failures = 0;
        expirations = 0;
        continue;
      } catch (caught) {
        error =
          caught instanceof KubernetesApiError
            ? caught
            : new KubernetesApiError('rejected', caught instanceof Error ? caught.message : String(caught));
      } finally {
        listing = null;
      }
      if (abort.signal.aborted) {
        return;
      }
      if (error.failure === 'expired') {
        version = null;
        expirations++;
        logger.info({ reason: error.message }, 'Listing key request Secrets again');
        if (expirations > 1) {
          await pause(backoff(expirations - 1));
        }
        continue;
      }
      failures = heard ? 1 : failures + 1;
      const wait = backoff(failures);
      fail(error, wait);
      await pause(wait);
    }
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  return {
    synced() {
      if (!started) {
        started = true;
        void run();
      }
      if (isSynced) {
        return Promise.resolve();
      }
      return (
        listing ??
        Promise.reject(
          failure ?? new KubernetesApiError('unreachable', 'The key request Secrets are not listed yet'),
        )
      );
    },

    problem: () => failure,

    stop() {
      abort.abort();
      wake?.();
    },
  };
}
