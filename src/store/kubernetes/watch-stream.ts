import { ApiException, type KubeConfig, type V1Secret, Watch } from '@kubernetes/client-node';
import { KubernetesApiError, toApiError } from './api-errors.js';

/** One change a watch reports. A bookmark only moves the resourceVersion a watch would resume from. */
export type SecretEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; secret: V1Secret }
  | { type: 'BOOKMARK'; resourceVersion: string };

export interface WatchHandlers {
  /** The server accepted the watch (200, headers in). */
  onOpen(): void;
  onEvent(event: SecretEvent): void;
}

/** Streams the changes to the Secrets matching `labelSelector` after `resourceVersion`. Resolves
 * when the server ends the stream (its `timeoutSeconds` ran out) or `signal` aborts; rejects with
 * a KubernetesApiError when it fails: `expired` for 410 Gone (that version is compacted away:
 * list again), `timeout` when no answer or no event came in time. */
export type WatchSecrets = (
  labelSelector: string,
  resourceVersion: string,
  handlers: WatchHandlers,
  signal: AbortSignal,
) => Promise<void>;

export interface WatchStreamDeps {
  kubeConfig: KubeConfig;
  namespace: string;
  /** How long the response headers may take. */
  timeoutMs: number;
  /** The server ends each watch after this long (spread ±50 % so replicas do not reconnect in step). */
  watchSeconds: number;
  /** Names the namespace and server in error messages. */
  where: string;
}

/** The event stream of client-node's Watch, with what it leaves out: a timeout for the response
 * headers (node-fetch's `timeout`, given through the fetch options), a deadline for a stream
 * that goes silent without closing (the server should have ended it after `watchSeconds`), and
 * failures as KubernetesApiError. Events arrive as plain JSON; the timestamps the Secret codec
 * reads become Dates, as in the objects the typed list call returns. */
export function createWatchStream({
  kubeConfig,
  namespace,
  timeoutMs,
  watchSeconds,
  where,
}: WatchStreamDeps): WatchSecrets {
  const watch = new Watch(withHeaderTimeout(kubeConfig, timeoutMs));
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const what = 'watch secrets';

  return (labelSelector, resourceVersion, { onOpen, onEvent }, signal) =>
    new Promise<void>((resolve, reject) => {
      const seconds = Math.round(watchSeconds * (0.5 + Math.random()));
      // A live stream ends by itself after `seconds`; one that has not by then is dead.
      const silenceMs = seconds * 1000 + Math.max(timeoutMs, 30_000);
      let controller: AbortController | undefined;
      let settled = false;
      let silence: NodeJS.Timeout | undefined;

      const finish = (error: KubernetesApiError | null) => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(silence);
        signal.removeEventListener('abort', stop);
        controller?.abort();
        if (error === null) {
          resolve();
        } else {
          reject(error);
        }
      };
      const stop = () => finish(null);
      const heard = () => {
        clearTimeout(silence);
        silence = setTimeout(
          () => finish(new KubernetesApiError('timeout', `${what}: no event for ${silenceMs} ms (${where})`)),
          silenceMs,
        );
      };

      if (signal.aborted) {
        resolve();
        return;
      }
      signal.addEventListener('abort', stop, { once: true });
      heard();
      watch
        .watch(
          path,
          { labelSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: seconds },
          (type: string, object: unknown) => {
            if (settled) {
              return;
            }
            heard();
            // Watch swallows what this callback throws; a failure here must end the stream instead.
            try {
              const event = toEvent(type, object);
              if (event instanceof KubernetesApiError) {
                finish(event);
              } else if (event !== null) {
                onEvent(event);
              }
            } catch (error) {
              finish(toApiError(error, what, where, timeoutMs));
            }
          },
          (error: unknown) =>
            finish(error ? toApiError(fromWatchError(error), what, where, timeoutMs) : null),
        )
        .then(
          (started) => {
            controller = started;
            if (settled) {
              started.abort();
            } else {
              onOpen();
            }
          },
          (error: unknown) => finish(toApiError(error, what, where, timeoutMs)),
        );
    });

  function toEvent(type: string, object: unknown): SecretEvent | KubernetesApiError | null {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED':
        return { type, secret: secretFromJson(object) };
      case 'BOOKMARK': {
        const version = (object as V1Secret | undefined)?.metadata?.resourceVersion;
        return version === undefined ? null : { type, resourceVersion: version };
      }
      case 'ERROR': {
        // A Status object: 410 Gone when the version we resumed from is compacted away.
        const status = (object ?? {}) as { code?: unknown; message?: unknown };
        const code = typeof status.code === 'number' ? status.code : 500;
        return toApiError(new ApiException(code, what, status, {}), what, where, timeoutMs);
      }
      default:
        return null;
    }
  }
}

/** Watch reports a non-200 answer as an Error with `statusCode`; as an ApiException it reads
 * like the answers of every other call. */
function fromWatchError(error: unknown): unknown {
  if (error instanceof Error && 'statusCode' in error && typeof error.statusCode === 'number') {
    return new ApiException(error.statusCode, error.message, '', {});
  }
  if (error instanceof Error && 'type' in error && error.type === 'request-timeout') {
    const timeout = new Error(error.message);
    timeout.name = 'TimeoutError';
    return timeout;
  }
  return error;
}

/** The JSON of a watch event as the typed model: the API client would turn these timestamps
 * into Dates, and the Secret codec reads `creationTimestamp` as one. */
function secretFromJson(object: unknown): V1Secret {
  const secret = (object ?? {}) as V1Secret;
  const created: unknown = secret.metadata?.creationTimestamp;
  return typeof created === 'string'
    ? { ...secret, metadata: { ...secret.metadata, creationTimestamp: new Date(created) } }
    : secret;
}

/** The kubeconfig's credentials for the watch request, plus node-fetch's `timeout` for the
 * response headers: client-node's Watch sets none of its own, so a server that accepts the
 * connection and never answers would hang the watch for good. */
function withHeaderTimeout(kubeConfig: KubeConfig, timeoutMs: number): KubeConfig {
  const config: KubeConfig = Object.create(kubeConfig);
  config.applyToFetchOptions = async (options) => ({
    ...(await kubeConfig.applyToFetchOptions(options)),
    timeout: timeoutMs,
  });
  return config;
}
