import type { GroupCommit } from './sqlite-group-commit.js';
import type { WalCheckpointer } from './sqlite-wal-checkpointer.js';

export interface WalTruncationDeps {
  checkpointer: Pick<WalCheckpointer, 'checkpoint'>;
  writes: Pick<GroupCommit, 'exclusive'>;
  /** The least time from the end of one truncate to the start of the next. */
  intervalMs: number;
}

export interface WalTruncation {
  /** Resolves once a truncate that started after this call has emptied the WAL (docs/design.md,
   * "Keys at rest"), so a write that dropped a key is reported done only then; rejects when that
   * truncate failed. A truncate that a reader of another process kept from finishing counts as
   * done for its waiters (as SQLite allows no more), and another follows after the interval. */
  afterDrop(): Promise<void>;
  /** Asks for a truncate nobody waits for (the WAL grew large). */
  soon(): void;
  /** Runs what is asked for now, and waits for it. */
  flush(): Promise<void>;
}

/** How long a truncate that did not finish (a reader of another process, an error) waits before
 * it is tried again, unless a new drop asks for one sooner. */
const RETRY_MS = 1_000;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** When the WAL is truncated. Each truncate holds every write of the process back while it runs
 * (some milliseconds: it syncs the WAL and the database file), so they are spaced at least
 * `intervalMs` apart: under load one truncate serves every key dropped since the last, and the
 * writes in between (new requests, claims, other steps) are not held back by a truncate per
 * drop. An idle store truncates at once after a drop. */
export function createWalTruncation({ checkpointer, writes, intervalMs }: WalTruncationDeps): WalTruncation {
  let waiting: Waiter[] = [];
  let asked = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let lastEnd = Number.NEGATIVE_INFINITY;

  /** After a truncate that did not finish, the one owed waits longer, unless a drop asks. */
  let retryAt = Number.NEGATIVE_INFINITY;

  function schedule(): void {
    if (timer !== undefined || running !== null || (!asked && waiting.length === 0)) {
      return;
    }
    const at = Math.max(lastEnd + intervalMs, waiting.length > 0 ? 0 : retryAt);
    timer = setTimeout(run, Math.max(0, at - Date.now()));
  }

  function owe(): void {
    asked = true;
    retryAt = Date.now() + RETRY_MS;
  }

  function run(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const served = waiting;
    waiting = [];
    asked = false;
    const truncating = writes
      .exclusive(() => checkpointer.checkpoint('TRUNCATE'))
      .then(
        (done) => {
          // A reader of another process held the WAL: a dropped key may still be in it.
          if (!done) {
            owe();
          }
          for (const waiter of served) {
            waiter.resolve();
          }
        },
        (error: unknown) => {
          owe();
          for (const waiter of served) {
            waiter.reject(error);
          }
        },
      )
      .finally(() => {
        running = null;
        lastEnd = Date.now();
        schedule();
      });
    running = truncating;
    return truncating;
  }

  return {
    afterDrop() {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        schedule();
      });
    },
    soon() {
      asked = true;
      schedule();
    },
    async flush() {
      await running;
      if (timer !== undefined || waiting.length > 0) {
        await run();
      }
    },
  };
}
