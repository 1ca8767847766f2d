/** Polls until something settles, with backoff, and not for long in a hidden tab.
 *
 * `check` runs once per tick and says whether there is still something to wait for.
 * Delays grow from `firstDelayMs` by `factor` up to `maxDelayMs`; an answer that changed
 * something (`'changed'`) starts the backoff over, since the next step often follows soon.
 * While the page is hidden, ticks go on for `hiddenLimitMs`, then stop until the page is
 * shown again, when one check runs at once and the backoff starts over. */
export type CheckOutcome = 'settled' | 'changed' | 'unchanged' | 'failed';

export interface Visibility {
  hidden(): boolean;
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export interface PollerOptions extends Partial<PollTiming> {
  check: (signal: AbortSignal) => Promise<CheckOutcome>;
  visibility: Visibility;
  now?: () => number;
}

export interface PollTiming {
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
  hiddenLimitMs: number;
}

export const POLL_DEFAULTS: Readonly<PollTiming> = {
  firstDelayMs: 1000,
  factor: 1.6,
  maxDelayMs: 30_000,
  hiddenLimitMs: 60_000,
};

export interface Poller {
  /** Checks now, then keeps polling until settled. */
  start(): void;
  /** Stops for good: cancels the timer and aborts a check in flight. */
  stop(): void;
}

export function backoffDelay(step: number, options: Partial<PollTiming> = {}): number {
  const { firstDelayMs, factor, maxDelayMs } = { ...POLL_DEFAULTS, ...options };
  return Math.min(maxDelayMs, Math.round(firstDelayMs * factor ** step));
}

export function createPoller(options: PollerOptions): Poller {
  const { check, visibility, now = Date.now } = options;
  const limits = {
    firstDelayMs: options.firstDelayMs ?? POLL_DEFAULTS.firstDelayMs,
    factor: options.factor ?? POLL_DEFAULTS.factor,
    maxDelayMs: options.maxDelayMs ?? POLL_DEFAULTS.maxDelayMs,
    hiddenLimitMs: options.hiddenLimitMs ?? POLL_DEFAULTS.hiddenLimitMs,
  };
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let step = 0;
  let hiddenSince: number | null = visibility.hidden() ? now() : null;
  /** True while nothing is scheduled because the tab has been hidden for too long. */
  let paused = false;
  let running = false;
  let unsubscribe: (() => void) | null = null;

  async function tick(): Promise<void> {
    timer = undefined;
    running = true;
    let outcome: CheckOutcome;
    try {
      outcome = await check(controller.signal);
    } catch {
      outcome = 'failed';
    } finally {
      running = false;
    }
    if (controller.signal.aborted || outcome === 'settled') {
      return;
    }
    if (hiddenSince !== null && now() - hiddenSince >= limits.hiddenLimitMs) {
      paused = true;
      return;
    }
    if (outcome === 'changed') {
      step = 0;
    }
    timer = setTimeout(() => void tick(), backoffDelay(step, limits));
    step += 1;
  }

  function onVisibility(): void {
    if (visibility.hidden()) {
      hiddenSince ??= now();
      return;
    }
    hiddenSince = null;
    if (paused && !controller.signal.aborted) {
      paused = false;
      step = 0;
      void tick();
    }
  }

  return {
    start() {
      if (unsubscribe !== null || controller.signal.aborted) {
        return;
      }
      unsubscribe = visibility.subscribe(onVisibility);
      if (!running && timer === undefined) {
        void tick();
      }
    },
    stop() {
      controller.abort();
      clearTimeout(timer);
      timer = undefined;
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}

/** The page's visibility (document.visibilityState). */
export function documentVisibility(): Visibility {
  return {
    hidden: () => document.visibilityState === 'hidden',
    subscribe(listener) {
      document.addEventListener('visibilitychange', listener);
      return () => document.removeEventListener('visibilitychange', listener);
    },
  };
}
