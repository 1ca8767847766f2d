import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { REQUEST_STATES } from '../requests/request-types.js';
import type { StoreStats } from '../store/request-store.js';

/** Every metric of ours starts with this. The default process/Node.js metrics keep their
 * standard names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, ...) so
 * stock dashboards work unchanged. */
export const METRIC_PREFIX = 'llm_key_requestor_';

/** Route label for requests that matched no route (404s): raw URLs must never become label
 * values, or a scanner probing random paths creates unbounded series. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface MetricsDeps {
  /** Read on every scrape to fill the store gauges. */
  storeStats: () => Promise<StoreStats>;
  /** Epoch ms; the age gauge is measured against it. */
  now?: () => number;
  /** A scrape waits at most this long for storeStats, then keeps the last values. */
  storeStatsTimeoutMs?: number;
}

export interface AppMetrics {
  /** One per app instance (never prom-client's global registry): serve it on GET /metrics with
   * `reply.type(registry.contentType).send(await registry.metrics())`. */
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** One increment per plugin verdict; `decision` is APPROVE | DENY | CONTINUE | REVIEW. */
  decisions: Counter<'plugin' | 'decision'>;
  mintAttempts: Counter<'outcome'>;
  mintDuration: Histogram;
  /** `kind` is the notification kind (approval, denial, review, revocation, reminder, link);
   * outcome success | failure. */
  mailAttempts: Counter<'kind' | 'outcome'>;
  mailDuration: Histogram;
  /** Notifications given up after their bounded tries (a permanent refusal), by kind; each
   * waits for an admin's resend. */
  notificationsFailed: Counter<'kind'>;
  /** Passes of the worker that asked the store for due requests. */
  workerPasses: Counter;
}

export type AttemptOutcome = 'success' | 'failure';

const DEFAULT_STATS_TIMEOUT_MS = 5_000;

export function createMetrics(deps: MetricsDeps): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const stats = storeStatsReader(deps);

  // The three store gauges share one storeStats call per scrape: prom-client collects all
  // metrics concurrently, so each collect() awaits the same in-flight read.
  new Gauge({
    name: `${METRIC_PREFIX}requests`,
    help: 'Key requests in the store, by state.',
    labelNames: ['state'],
    registers,
    async collect() {
      const current = await stats.read();
      if (current) {
        for (const state of REQUEST_STATES) {
          this.set({ state }, current.byState[state] ?? 0);
        }
      }
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}queue_depth`,
    help: 'Requests waiting for the approval worker (a decision, a key or a notification is due).',
    registers,
    async collect() {
      const current = await stats.read();
      if (current) {
        this.set(current.queueDepth);
      }
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}oldest_waiting_request_age_seconds`,
    help: 'Age of the oldest request still waiting for the worker; 0 when none waits.',
    registers,
    async collect() {
      const current = await stats.read();
      if (current) {
        const now = deps.now?.() ?? Date.now();
        const age = current.oldestWaitingAt === null ? 0 : (now - current.oldestWaitingAt) / 1000;
        this.set(Math.max(0, age));
      }
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}store_stats_up`,
    help: '1 when the last scrape read the store statistics, 0 when it failed (the store gauges then hold stale values).',
    registers,
    async collect() {
      this.set((await stats.read()) ? 1 : 0);
    },
  });

  return {
    registry,
    httpRequestDuration: new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'HTTP request latency by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    decisions: new Counter({
      name: `${METRIC_PREFIX}approval_decisions_total`,
      help: 'Approval plugin decisions, by plugin and decision.',
      labelNames: ['plugin', 'decision'],
      registers,
    }),
    mintAttempts: new Counter({
      name: `${METRIC_PREFIX}key_mint_attempts_total`,
      help: 'LiteLLM key generation attempts, by outcome (success | failure).',
      labelNames: ['outcome'],
      registers,
    }),
    mintDuration: new Histogram({
      name: `${METRIC_PREFIX}key_mint_duration_seconds`,
      help: 'Duration of LiteLLM key generation calls, successful or not.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    mailAttempts: new Counter({
      name: `${METRIC_PREFIX}mail_attempts_total`,
      help: 'Notification send attempts, by kind and outcome (success | failure).',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    mailDuration: new Histogram({
      name: `${METRIC_PREFIX}mail_duration_seconds`,
      help: 'Duration of notification sends, successful or not.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    notificationsFailed: new Counter({
      name: `${METRIC_PREFIX}notifications_failed_total`,
      help: 'Notifications given up after their bounded tries (the mail server refused them for good), by kind; an admin can re-send them.',
      labelNames: ['kind'],
      registers,
    }),
    workerPasses: new Counter({
      name: `${METRIC_PREFIX}worker_passes_total`,
      help: 'Passes of the approval worker that asked the store for due requests, whether or not it found any; a rate of 0 means its loop has stopped.',
      registers,
    }),
  };
}

/** Observes every response with the route TEMPLATE (`/api/requests/:id`), never the raw URL.
 * Call before registering routes so that every route plugin inherits the hook. */
export function registerHttpMetrics(
  app: FastifyInstance,
  metrics: Pick<AppMetrics, 'httpRequestDuration'>,
): void {
  // Synchronous: an async hook would cost every request a promise.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/** Reads the store statistics at most once at a time, with a deadline. Failures yield null:
 * a scrape must succeed even when the store is down (/ready reports that), and the
 * process metrics are most wanted exactly then. */
function storeStatsReader(deps: MetricsDeps) {
  const timeoutMs = deps.storeStatsTimeoutMs ?? DEFAULT_STATS_TIMEOUT_MS;
  let inflight: Promise<StoreStats | null> | null = null;

  async function readOnce(): Promise<StoreStats | null> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([deps.storeStats(), deadline]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    read(): Promise<StoreStats | null> {
      if (!inflight) {
        inflight = readOnce().finally(() => {
          inflight = null;
        });
      }
      return inflight;
    },
  };
}
