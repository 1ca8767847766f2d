import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DutyPolicy } from '../requests/duties.js';
import type { KeyRequest } from '../requests/request-types.js';
import type { Logger } from '../shared/logger.js';
import type { RequestStore } from '../store/request-store.js';
import type { Outcome } from './request-processor.js';

export interface ApprovalWorkerDeps {
  store: Pick<RequestStore, 'claimDue' | 'get'>;
  processRequest: (request: KeyRequest) => Promise<Outcome>;
  intervalMs: number;
  claimTimeoutMs: number;
  /** Which clock-driven duties (reminders) count when claiming. */
  policy: DutyPolicy;
  /** Requests processed at the same time by this instance. */
  concurrency: number;
  logger: Pick<Logger, 'error' | 'info'>;
  /** Told after every pass that asked the store for due requests, whether it found any or not
   * (the worker_passes_total metric: a worker whose loop stopped stops counting). */
  onPass?: () => void;
  owner?: string;
  now?: () => number;
}

export interface ApprovalWorker {
  readonly owner: string;
  start(): void;
  /** Runs a pass soon (coalesced): a new request or an admin decision is waiting. */
  wake(): void;
  /** Stops claiming and waits for the requests in flight to finish their current step. */
  stop(): Promise<void>;
}

/** Unique per process, readable in the store for operators. */
export function workerOwnerId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/** Claims due requests from the store and processes them with bounded concurrency.
 * A pass runs every `intervalMs`, on `wake()`, whenever a slot frees up while work may remain
 * (the last claim filled its slots, or a wake came since), and when the earliest known retry
 * comes due; a busy worker claims once a quarter of
 * its slots are free, so claims come in batches. Several instances (processes,
 * replicas) may run against one store: claims are leases, so each request has one
 * worker at a time, and a lease left by a dead process expires after `claimTimeoutMs`. */
export function createApprovalWorker(deps: ApprovalWorkerDeps): ApprovalWorker {
  const owner = deps.owner ?? workerOwnerId();
  const now = deps.now ?? Date.now;
  const inFlight = new Set<Promise<void>>();
  // Requests this instance is running now. All its runs share one owner id in the store, so a
  // run whose lease ran out while it waited (a dependency that hung) and a new claim of the same
  // request by this instance would both take the lease for theirs and do the same work twice.
  const runningIds = new Set<string>();
  /** Requests of `runningIds` this instance claimed again while their run went on. */
  const claimedAgain = new Set<string>();
  let running = false;
  let passing = false;
  let again = false;
  let intervalTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt = Number.POSITIVE_INFINITY;
  /** Whether due work may be waiting that no claim has seen: set by a wake, the interval, a retry
   * coming due, a store that failed to answer and a claim that filled every slot it asked for;
   * cleared when a claim starts. A slot that frees up claims only while it is set: after a claim
   * that took fewer than it asked for, the store had no more, and claiming again would be a
   * write transaction (the claim statement) that finds nothing, once per finished request. */
  let mayBeDue = true;

  /** A pass for work that may have become due. */
  function dueWork(): void {
    mayBeDue = true;
    schedulePass();
  }

  function schedulePass(): void {
    if (!running) {
      return;
    }
    if (passing) {
      again = true;
      return;
    }
    passing = true;
    void pass().finally(() => {
      passing = false;
      if (again) {
        again = false;
        schedulePass();
      }
    });
  }

  /** Slots that must be free before a busy worker claims again: a quarter of them. One claim
   * then leases several requests instead of one per finished request (a claim reads the due
   * index and writes every lease it takes: its cost is mostly per statement, not per lease). An
   * idle worker (nothing in flight) claims for any free slot, so a lone request never waits. */
  const batch = Math.max(1, Math.floor(deps.concurrency / 4));

  async function pass(): Promise<void> {
    const free = deps.concurrency - inFlight.size;
    if (!mayBeDue || free <= 0 || (free < batch && inFlight.size > 0)) {
      return;
    }
    mayBeDue = false;
    let claimed: KeyRequest[];
    try {
      claimed = await deps.store.claimDue({
        owner,
        now: now(),
        leaseMs: deps.claimTimeoutMs,
        limit: free,
        policy: deps.policy,
      });
    } catch (error) {
      mayBeDue = true;
      deps.logger.error({ err: error }, 'could not claim requests; the store is unavailable');
      return;
    }
    if (claimed.length >= free) {
      mayBeDue = true;
    }
    deps.onPass?.();
    for (const request of claimed) {
      if (runningIds.has(request.id)) {
        // Its lease had expired under the run still going on here, or that run's last write had
        // just released it and the request was due again (a link mail asked for, an admin's
        // decision): the claim took the lease for this instance. The run picks up the new version
        // at its next write; if it has none left, it runs again once it ends (`runUntilReleased`).
        claimedAgain.add(request.id);
        continue;
      }
      runningIds.add(request.id);
      const task = runUntilReleased(request).catch((error: unknown) =>
        deps.logger.error({ err: error, request_id: request.id }, 'request processing crashed'),
      );
      const tracked: Promise<void> = task.finally(() => {
        inFlight.delete(tracked);
        runningIds.delete(request.id);
        claimedAgain.delete(request.id);
        // A slot is free: there may be more due work than the last pass could take.
        schedulePass();
      });
      inFlight.add(tracked);
    }
  }

  /** Runs a claimed request, and again while it was claimed anew during its run: that claim's
   * lease is ours with nothing running under it, so without another run the request would wait
   * for the lease to expire. The next run starts from a fresh read, not the claimed copy: the run
   * that just ended may have done what that copy still shows owed (a mail). */
  async function runUntilReleased(claimed: KeyRequest): Promise<void> {
    let request: KeyRequest | null = claimed;
    while (request !== null) {
      const outcome = await deps.processRequest(request);
      if (outcome.status === 'retry') {
        scheduleRetryPass(outcome.retryAt);
      }
      if (!claimedAgain.delete(claimed.id)) {
        return;
      }
      const fresh = await deps.store.get(claimed.id);
      request = fresh !== null && fresh.work.owner === owner ? fresh : null;
    }
  }

  /** Retry times of requests this instance put back, so a retry runs when it comes due
   * rather than at the next interval. Only the earliest one has a timer. */
  const retryTimes: number[] = [];

  function scheduleRetryPass(at: number): void {
    if (!running) {
      return;
    }
    retryTimes.push(at);
    retryTimes.sort((a, b) => a - b);
    armRetryTimer();
  }

  function armRetryTimer(): void {
    const next = retryTimes[0];
    if (next === undefined || next === retryAt) {
      return;
    }
    clearTimeout(retryTimer);
    retryAt = next;
    retryTimer = setTimeout(
      () => {
        const due = now();
        while ((retryTimes[0] ?? Number.POSITIVE_INFINITY) <= due) {
          retryTimes.shift();
        }
        retryAt = Number.POSITIVE_INFINITY;
        armRetryTimer();
        dueWork();
      },
      Math.max(0, next - now()) + 10,
    );
    retryTimer.unref();
  }

  return {
    owner,
    start() {
      if (running) {
        return;
      }
      running = true;
      deps.logger.info({ owner, interval_ms: deps.intervalMs }, 'approval worker started');
      intervalTimer = setInterval(dueWork, deps.intervalMs);
      intervalTimer.unref();
      dueWork();
    },
    wake: dueWork,
    async stop() {
      running = false;
      clearInterval(intervalTimer);
      clearTimeout(retryTimer);
      // Race the tasks themselves (they never reject), not allSettled: with a pass running and
      // nothing in flight, allSettled([]) resolves at once and this loop would spin on
      // microtasks, starving the event loop so the pass (and any timer) could never finish.
      while (passing || inFlight.size > 0) {
        await Promise.race([...inFlight, new Promise((resolve) => setTimeout(resolve, 20))]);
      }
    },
  };
}
