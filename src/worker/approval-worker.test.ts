import { afterEach, describe, expect, it } from 'vitest';
import type { KeyRequest } from '../requests/request-types.js';
import type { RequestStore } from '../store/request-store.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { type ApprovalWorker, type ApprovalWorkerDeps, createApprovalWorker } from './approval-worker.js';
import type { Outcome } from './request-processor.js';

const silent = { error: () => {}, info: () => {} };
let store: RequestStore;
let worker: ApprovalWorker | undefined;

afterEach(async () => {
  await worker?.stop();
  await store?.close();
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A worker with the tests' defaults, which `deps` may override: an hour's interval (so only
 * start, wakes and freed slots claim), a minute's lease, no reminders, no log. */
function workerOn(
  deps: Pick<ApprovalWorkerDeps, 'store' | 'concurrency' | 'processRequest'> & Partial<ApprovalWorkerDeps>,
): ApprovalWorker {
  return createApprovalWorker({
    intervalMs: 3_600_000,
    claimTimeoutMs: 60_000,
    policy: { remindBeforeMs: 0 },
    logger: silent,
    ...deps,
  });
}

/** Marks a request done the way the real processor does: handled and released. */
async function finish(request: KeyRequest): Promise<Outcome> {
  await store.update(request.id, request.version, {
    handledState: request.state,
    work: { owner: null, leaseUntil: null },
  });
  return { status: 'done' };
}

describe('approval worker loop', () => {
  it('processes every due request with at most `concurrency` at a time', async () => {
    store = createSqliteStore({ path: ':memory:' });
    for (let i = 0; i < 20; i++) {
      await store.create({ email: `u${i}@example.com`, model: 'm' });
    }
    let active = 0;
    let peak = 0;
    const seen = new Set<string>();
    worker = workerOn({
      store,
      concurrency: 3,
      processRequest: async (request) => {
        active++;
        peak = Math.max(peak, active);
        seen.add(request.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return finish(request);
      },
    });
    worker.start();
    await until(() => seen.size === 20);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('claims in batches while busy: a quarter of its slots at a time, not one per finished request', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    store = real;
    for (let i = 0; i < 40; i++) {
      await real.create({ email: `u${i}@example.com`, model: 'm' });
    }
    const limits: number[] = [];
    const counting: Pick<RequestStore, 'claimDue' | 'get'> = {
      get: (id) => store.get(id),
      claimDue: (options) => {
        limits.push(options.limit);
        return real.claimDue(options);
      },
    };
    let done = 0;
    worker = workerOn({
      store: counting,
      concurrency: 8,
      processRequest: async (request) => {
        // Requests finish one at a time, a few milliseconds apart.
        await new Promise((resolve) => setTimeout(resolve, 2 + (done % 5)));
        done++;
        return finish(request);
      },
    });
    worker.start();
    await until(() => done === 40);
    expect(limits[0]).toBe(8);
    // While requests were in flight, no claim asked for fewer than a quarter of the slots.
    expect(Math.min(...limits)).toBeGreaterThanOrEqual(2);
    expect(limits.length).toBeLessThan(40);
  });

  it('does not claim again for a freed slot after a claim that found less than it asked for', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    store = real;
    let claims = 0;
    const counting: Pick<RequestStore, 'claimDue' | 'get'> = {
      get: (id) => store.get(id),
      claimDue: (options) => {
        claims++;
        return real.claimDue(options);
      },
    };
    const seen: string[] = [];
    worker = workerOn({
      store: counting,
      concurrency: 4,
      processRequest: async (request) => {
        seen.push(request.id);
        return finish(request);
      },
    });
    worker.start();
    await until(() => claims === 1);
    for (let i = 1; i <= 3; i++) {
      await real.create({ email: `u${i}@example.com`, model: 'm' });
      worker.wake();
      await until(() => seen.length === i);
    }
    // One claim at start and one per wake; none when a finished request freed its slot.
    expect(claims).toBe(4);
  });

  it('runs a retry when it comes due instead of waiting for the interval', async () => {
    store = createSqliteStore({ path: ':memory:' });
    await store.create({ email: 'a@example.com', model: 'm' });
    let calls = 0;
    worker = workerOn({
      store,
      concurrency: 2,
      processRequest: async (request) => {
        calls++;
        if (calls === 1) {
          const retryAt = Date.now() + 200;
          await store.update(request.id, request.version, {
            work: { owner: null, leaseUntil: null, nextAttemptAt: retryAt },
          });
          return { status: 'retry', retryAt };
        }
        return finish(request);
      },
    });
    worker.start();
    await until(() => calls === 2, 5000);
  });

  it('is woken by wake() for work that arrives after start', async () => {
    store = createSqliteStore({ path: ':memory:' });
    const seen: string[] = [];
    worker = workerOn({
      store,
      concurrency: 2,
      processRequest: async (request) => {
        seen.push(request.id);
        return finish(request);
      },
    });
    worker.start();
    const { request } = await store.create({ email: 'late@example.com', model: 'm' });
    worker.wake();
    await until(() => seen.includes(request.id), 5000);
  });

  it('counts the passes that asked the store, found work or not, and not those the store failed', async () => {
    store = createSqliteStore({ path: ':memory:' });
    let passes = 0;
    let failing = false;
    const errors: string[] = [];
    const flaky: Pick<RequestStore, 'claimDue' | 'get'> = {
      get: (id) => store.get(id),
      claimDue: (options) => (failing ? Promise.reject(new Error('store down')) : store.claimDue(options)),
    };
    worker = workerOn({
      store: flaky,
      concurrency: 2,
      logger: { ...silent, error: (_fields: object, message: string) => errors.push(message) },
      onPass: () => passes++,
      processRequest: finish,
    });
    worker.start();
    await until(() => passes === 1);
    worker.wake();
    await until(() => passes === 2);
    // This pass fails at once; the wakes that arrive meanwhile make one more pass after it.
    failing = true;
    worker.wake();
    failing = false;
    worker.wake();
    await until(() => errors.length === 1 && passes === 3);
    expect(errors).toEqual(['could not claim requests; the store is unavailable']);
    expect(passes).toBe(3);
  });

  it('stops promptly while a claim pass is still running', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    store = real;
    await real.create({ email: 'a@example.com', model: 'm' });
    const slow: Pick<RequestStore, 'claimDue' | 'get'> = {
      get: (id) => store.get(id),
      claimDue: async (options) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        return real.claimDue(options);
      },
    };
    let processed = 0;
    const subject = workerOn({
      store: slow,
      concurrency: 2,
      processRequest: async (request) => {
        processed++;
        return finish(request);
      },
    });
    subject.start();
    const stopped = subject.stop().then(() => 'stopped');
    const timeout = new Promise((resolve) => setTimeout(() => resolve('hung'), 5000));
    expect(await Promise.race([stopped, timeout])).toBe('stopped');
    // The pass that was running finishes its claimed work before stop() returns.
    expect(processed).toBeLessThanOrEqual(1);
  });

  it('does not start a second run of a request it claims again while its first run still works on it', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    store = real;
    const { id } = (await real.create({ email: 'slow@example.com', model: 'm' })).request;
    // The first run waits on a dependency that hangs past the lease; the worker's passes go on.
    let release: (() => void) | undefined;
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    let claims = 0;
    const counting: Pick<RequestStore, 'claimDue' | 'get'> = {
      get: (id) => store.get(id),
      claimDue: async (options) => {
        const claimed = await real.claimDue(options);
        claims += claimed.filter((request) => request.id === id).length;
        return claimed;
      },
    };
    let runs = 0;
    let concurrent = 0;
    let peak = 0;
    worker = workerOn({
      store: counting,
      intervalMs: 20,
      claimTimeoutMs: 50,
      concurrency: 4,
      processRequest: async (request) => {
        runs++;
        concurrent++;
        peak = Math.max(peak, concurrent);
        await hung;
        concurrent--;
        const fresh = await real.get(request.id);
        return fresh ? finish(fresh) : { status: 'done' };
      },
    });
    worker.start();
    try {
      // The lease ran out and this same worker claimed the request again (its passes run every 20 ms).
      await until(() => claims >= 3);
      expect(runs).toBe(1);
    } finally {
      release?.();
    }
    await until(() => concurrent === 0 && runs >= 1);
    expect(peak).toBe(1);
  });

  it('runs a request again, from a fresh read, when it was claimed anew while its run was ending', async () => {
    const real = createSqliteStore({ path: ':memory:' });
    store = real;
    const { id } = (await real.create({ email: 'again@example.com', model: 'm' })).request;
    let claims = 0;
    const counting: Pick<RequestStore, 'claimDue' | 'get'> = {
      get: (requestId) => real.get(requestId),
      claimDue: async (options) => {
        const claimed = await real.claimDue(options);
        claims += claimed.filter((request) => request.id === id).length;
        return claimed;
      },
    };
    const seen: KeyRequest[] = [];
    worker = workerOn({
      store: counting,
      concurrency: 4,
      processRequest: async (request) => {
        seen.push(request);
        const outcome = await finish(request);
        if (seen.length === 1) {
          // Due again right after the run's last write released it (an admin's decision), and
          // claimed by this worker before the run has ended.
          const released = await real.get(id);
          await real.update(id, released?.version ?? '', { state: 'denied' });
          worker?.wake();
          await until(() => claims === 2);
        }
        return outcome;
      },
    });
    worker.start();

    // Without a second run the claim's lease would hold the request for the whole claim timeout.
    await until(() => seen.length === 2);
    expect(seen[1]?.state).toBe('denied');
    expect(seen[1]?.work.owner).toBe(worker.owner);
  });
});
