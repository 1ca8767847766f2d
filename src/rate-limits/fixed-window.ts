import type { RateLimit } from '../config/app-config.js';

/** Counts events per key in fixed windows: a key's window starts with its first event and
 * lasts `windowMs`; at most `max` events fit in one. In memory, so per process. */
export interface FixedWindow {
  /** Milliseconds until `key` may have another event; 0 when it may now. */
  waitMs(key: string, pending?: number): number;
  /** Counts one event for `key`. */
  add(key: string): void;
}

export interface FixedWindowOptions extends RateLimit {
  now?: () => number;
  /** Keys tracked at most; beyond, the oldest windows are dropped (memory stays bounded
   * under a flood of distinct keys, at the price of forgetting the oldest counts). */
  maxKeys?: number;
}

interface Window {
  startedAt: number;
  count: number;
}

export function createFixedWindow({
  max,
  windowMs,
  now = Date.now,
  maxKeys = 10_000,
}: FixedWindowOptions): FixedWindow {
  // Map keeps insertion order: a key re-inserted when its window restarts moves to the end,
  // so the first entries are always the oldest windows.
  const windows = new Map<string, Window>();

  function current(key: string, at: number): Window | undefined {
    const window = windows.get(key);
    if (window && at - window.startedAt >= windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  }

  return {
    waitMs(key, pending = 0) {
      if (max === 0) {
        return 0;
      }
      const at = now();
      const window = current(key, at);
      const count = (window?.count ?? 0) + pending;
      if (count < max) {
        return 0;
      }
      // Events still in flight (pending) without a window yet: a full window from now.
      return window ? window.startedAt + windowMs - at : windowMs;
    },

    add(key) {
      if (max === 0) {
        return;
      }
      const at = now();
      const window = current(key, at);
      if (window) {
        window.count += 1;
        return;
      }
      windows.set(key, { startedAt: at, count: 1 });
      for (const oldest of windows.keys()) {
        if (windows.size <= maxKeys) {
          break;
        }
        windows.delete(oldest);
      }
    },
  };
}
