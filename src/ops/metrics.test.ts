import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreStats } from '../store/request-store.js';
import { createMetrics, registerHttpMetrics } from './metrics.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function stats(overrides: Partial<StoreStats> = {}): StoreStats {
  return {
    byState: { pending: 3, approved: 5, denied: 1, 'in-review': 2, revoked: 0, expired: 0 },
    notificationFailed: 0,
    queueDepth: 4,
    oldestWaitingAt: NOW - 95_000,
    ...overrides,
  };
}

/** The value of one sample line of the text exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('exposes every metric of the service under the llm_key_requestor_ prefix, plus process metrics', async () => {
    const metrics = createMetrics({ storeStats: async () => stats(), now: () => NOW });
    const text = await metrics.registry.metrics();

    for (const name of [
      'llm_key_requestor_http_request_duration_seconds',
      'llm_key_requestor_approval_decisions_total',
      'llm_key_requestor_key_mint_attempts_total',
      'llm_key_requestor_key_mint_duration_seconds',
      'llm_key_requestor_mail_attempts_total',
      'llm_key_requestor_mail_duration_seconds',
      'llm_key_requestor_notifications_failed_total',
      'llm_key_requestor_requests',
      'llm_key_requestor_queue_depth',
      'llm_key_requestor_oldest_waiting_request_age_seconds',
      'llm_key_requestor_store_stats_up',
      'llm_key_requestor_worker_passes_total',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('keeps each instance in its own registry', async () => {
    const first = createMetrics({ storeStats: async () => stats() });
    const second = createMetrics({ storeStats: async () => stats() });
    first.mintAttempts.inc({ outcome: 'success' });

    expect(first.registry).not.toBe(second.registry);
    expect(
      sample(await first.registry.metrics(), 'llm_key_requestor_key_mint_attempts_total{outcome="success"}'),
    ).toBe(1);
    expect(
      sample(await second.registry.metrics(), 'llm_key_requestor_key_mint_attempts_total{outcome="success"}'),
    ).toBeUndefined();
  });

  it('counts decisions, mint and mail attempts and given-up notifications by their labels', async () => {
    const metrics = createMetrics({ storeStats: async () => stats() });
    metrics.decisions.inc({ plugin: 'whitelist', decision: 'APPROVE' });
    metrics.decisions.inc({ plugin: 'whitelist', decision: 'APPROVE' });
    metrics.decisions.inc({ plugin: 'blacklist', decision: 'CONTINUE' });
    metrics.mintAttempts.inc({ outcome: 'failure' });
    metrics.mailAttempts.inc({ kind: 'approval', outcome: 'success' });
    metrics.notificationsFailed.inc({ kind: 'denial' });
    metrics.mintDuration.observe(0.3);
    metrics.mailDuration.observe(1.5);

    const text = await metrics.registry.metrics();
    expect(
      sample(text, 'llm_key_requestor_approval_decisions_total{plugin="whitelist",decision="APPROVE"}'),
    ).toBe(2);
    expect(
      sample(text, 'llm_key_requestor_approval_decisions_total{plugin="blacklist",decision="CONTINUE"}'),
    ).toBe(1);
    expect(sample(text, 'llm_key_requestor_key_mint_attempts_total{outcome="failure"}')).toBe(1);
    expect(sample(text, 'llm_key_requestor_mail_attempts_total{kind="approval",outcome="success"}')).toBe(1);
    expect(sample(text, 'llm_key_requestor_notifications_failed_total{kind="denial"}')).toBe(1);
    expect(sample(text, 'llm_key_requestor_key_mint_duration_seconds_count')).toBe(1);
    expect(sample(text, 'llm_key_requestor_key_mint_duration_seconds_bucket{le="0.5"}')).toBe(1);
    expect(sample(text, 'llm_key_requestor_key_mint_duration_seconds_bucket{le="0.25"}')).toBe(0);
    expect(sample(text, 'llm_key_requestor_mail_duration_seconds_sum')).toBe(1.5);
  });
});

describe('store gauges', () => {
  it('reflect the store statistics at scrape time', async () => {
    let current = stats();
    const metrics = createMetrics({ storeStats: async () => current, now: () => NOW });

    let text = await metrics.registry.metrics();
    expect(sample(text, 'llm_key_requestor_requests{state="pending"}')).toBe(3);
    expect(sample(text, 'llm_key_requestor_requests{state="approved"}')).toBe(5);
    expect(sample(text, 'llm_key_requestor_requests{state="in-review"}')).toBe(2);
    expect(sample(text, 'llm_key_requestor_requests{state="revoked"}')).toBe(0);
    expect(sample(text, 'llm_key_requestor_queue_depth')).toBe(4);
    expect(sample(text, 'llm_key_requestor_oldest_waiting_request_age_seconds')).toBe(95);
    expect(sample(text, 'llm_key_requestor_store_stats_up')).toBe(1);

    current = stats({ queueDepth: 0, oldestWaitingAt: null, byState: { ...current.byState, pending: 0 } });
    text = await metrics.registry.metrics();
    expect(sample(text, 'llm_key_requestor_requests{state="pending"}')).toBe(0);
    expect(sample(text, 'llm_key_requestor_queue_depth')).toBe(0);
    expect(sample(text, 'llm_key_requestor_oldest_waiting_request_age_seconds')).toBe(0);
  });

  it('read the store once per scrape', async () => {
    let calls = 0;
    const metrics = createMetrics({
      storeStats: async () => {
        calls += 1;
        return stats();
      },
    });

    await metrics.registry.metrics();
    expect(calls).toBe(1);
    await metrics.registry.metrics();
    expect(calls).toBe(2);
  });

  it('keep the scrape working and their last values when the store throws', async () => {
    let failing = false;
    const metrics = createMetrics({
      storeStats: async () => {
        if (failing) {
          throw new Error('store unreachable');
        }
        return stats();
      },
      now: () => NOW,
    });
    await metrics.registry.metrics();
    metrics.mintAttempts.inc({ outcome: 'success' });

    failing = true;
    const text = await metrics.registry.metrics();
    expect(sample(text, 'llm_key_requestor_store_stats_up')).toBe(0);
    expect(sample(text, 'llm_key_requestor_queue_depth')).toBe(4);
    expect(sample(text, 'llm_key_requestor_key_mint_attempts_total{outcome="success"}')).toBe(1);
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('keep the scrape working when the store throws synchronously on the first scrape', async () => {
    const metrics = createMetrics({
      storeStats: () => {
        throw new Error('not connected');
      },
    });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'llm_key_requestor_store_stats_up')).toBe(0);
    expect(sample(text, 'llm_key_requestor_requests{state="pending"}')).toBeUndefined();
  });

  it('give up on a store that does not answer within the deadline', async () => {
    const metrics = createMetrics({
      storeStats: () => new Promise<StoreStats>(() => {}),
      storeStatsTimeoutMs: 50,
    });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'llm_key_requestor_store_stats_up')).toBe(0);
  });
});

describe('registerHttpMetrics', () => {
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('labels requests with the route template, never the raw URL', async () => {
    const metrics = createMetrics({ storeStats: async () => stats() });
    app = Fastify();
    registerHttpMetrics(app, metrics);
    await app.register(async (routes) => {
      routes.get('/api/requests/:id', async (request, reply) => {
        const { id } = request.params as { id: string };
        return id === 'missing' ? reply.code(404).send({ detail: 'not found' }) : { request_id: id };
      });
    });

    expect((await app.inject({ method: 'GET', url: '/api/requests/abc123' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/requests/def456?x=1' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/requests/missing' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/wp-admin/setup.php' })).statusCode).toBe(404);

    const text = await metrics.registry.metrics();
    const route = 'method="GET",route="/api/requests/:id"';
    expect(
      sample(text, `llm_key_requestor_http_request_duration_seconds_count{${route},status_code="200"}`),
    ).toBe(2);
    expect(
      sample(text, `llm_key_requestor_http_request_duration_seconds_count{${route},status_code="404"}`),
    ).toBe(1);
    expect(
      sample(
        text,
        'llm_key_requestor_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}',
      ),
    ).toBe(1);
    expect(text).not.toContain('abc123');
    expect(text).not.toContain('wp-admin');
  });
});
