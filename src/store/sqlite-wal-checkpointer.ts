import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** `PASSIVE` copies what it can into the database file and lets writers go on; `TRUNCATE` copies
 * every page image and cuts the WAL to zero bytes, holding writers back meanwhile. */
export type CheckpointMode = 'PASSIVE' | 'TRUNCATE';

/** Checkpoints the WAL of one database file away from the event loop. */
export interface WalCheckpointer {
  /** `wal_checkpoint(<mode>)`. Resolves true once done, false when a reader (of another
   * process) kept it from finishing, so the caller tries again later; rejects on an error.
   * Checkpoints run one at a time, in the order asked. */
  checkpoint(mode: CheckpointMode): Promise<boolean>;
  /** Ends the thread, after the checkpoints asked for. */
  close(): Promise<void>;
}

/** The thread's code. CommonJS text rather than a module file, so it runs the same from src/
 * (tests) and dist/; the driver's path comes from the main thread's resolution. It opens its own
 * connection and answers each message with one checkpoint, in order. `synchronous = NORMAL` as
 * the store's connection: a checkpoint syncs the WAL and the database file either way. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
parentPort.on('message', (mode) => {
  try {
    if (mode !== 'PASSIVE' && mode !== 'TRUNCATE') {
      throw new Error('unknown checkpoint mode');
    }
    const [result] = db.pragma('wal_checkpoint(' + mode + ')');
    const done = (result && result.busy) === 0;
    if (done && mode === 'TRUNCATE') {
      restartWal();
    }
    parentPort.postMessage({ done });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
});
parentPort.on('close', () => db.close());
// The first frame written to an empty WAL is synced with its header; whoever writes it waits for
// the disk. Rewriting the header page's user_version here (to its own value: nothing changes,
// and page 1 holds no request) makes it this thread, not the next commit on the event loop.
function restartWal() {
  try {
    db.pragma('user_version = ' + Number(db.pragma('user_version', { simple: true })));
  } catch {
    // Only an optimisation: the next commit then starts the WAL itself.
  }
}
`;

type Answer = { done: boolean } | { error: string };

/** How long the thread outlives its last checkpoint. */
const IDLE_MS = 5_000;

/** Why a thread: a checkpoint waits for the disk (it syncs the WAL and the database file, some
 * milliseconds), and so does the first write to the emptied WAL (the thread makes it, see
 * `restartWal`); done on the event loop, that wait stops every request the process serves.
 * On a connection of its own in a worker thread, the event loop goes on; SQLite's locking
 * coordinates the two connections (sqlite-group-commit.ts holds the next group back during a
 * TRUNCATE, which holds writers back, so its event loop never waits on that lock either).
 *
 * The thread starts on the first checkpoint and keeps the process alive only while one is asked
 * for or running. It ends once no checkpoint was asked for during `idleMs`: a thread is a V8
 * isolate and a Node environment of its own, 6-10 MiB resident for a connection that is idle
 * between bursts of writes (docs/performance.md, "Resident memory: the checkpoint thread and
 * one module for the server"). Under load the checkpoints come every few tens of
 * milliseconds and the thread stays; after a pause the next checkpoint starts a new one, some
 * tens of milliseconds of start-up the event loop does not wait for. */
export function createWalCheckpointer(
  path: string,
  { idleMs = IDLE_MS }: { idleMs?: number } = {},
): WalCheckpointer {
  let worker: Worker | null = null;
  /** The checkpoint the thread is working on; the thread answers messages in order. */
  let pending: { resolve: (done: boolean) => void; reject: (error: Error) => void } | null = null;
  let last: Promise<unknown> = Promise.resolve();
  /** Checkpoints asked for and not yet answered: the thread is idle only at 0. */
  let asked = 0;
  let idle: NodeJS.Timeout | undefined;

  function settle(): typeof pending {
    const current = pending;
    pending = null;
    worker?.unref();
    return current;
  }

  /** Ends the thread if it is still idle after `idleMs`. Its exit rejects nothing: no checkpoint
   * is pending, and the next one starts a new thread. */
  function endWhenIdle(): void {
    clearTimeout(idle);
    idle = setTimeout(() => {
      idle = undefined;
      const thread = worker;
      if (asked === 0 && thread !== null) {
        worker = null;
        void thread.terminate();
      }
    }, idleMs);
    idle.unref();
  }

  function started(): Worker {
    if (worker === null) {
      const thread = new Worker(THREAD, {
        eval: true,
        workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
        // It holds one connection and runs one pragma at a time: a small heap is plenty.
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
      });
      thread.on('message', (answer: Answer) => {
        const current = settle();
        if ('error' in answer) {
          current?.reject(new Error(`WAL checkpoint failed: ${answer.error}`));
        } else {
          current?.resolve(answer.done);
        }
      });
      // A thread ended for idleness or by close() owes nothing; `pending` may be its successor's.
      thread.on('error', (error) => {
        if (worker === thread) {
          settle()?.reject(error);
        }
      });
      thread.on('exit', (code) => {
        if (worker === thread) {
          worker = null;
          settle()?.reject(new Error(`the WAL checkpoint thread exited (code ${code})`));
        }
      });
      thread.unref();
      worker = thread;
    }
    return worker;
  }

  function checkpoint(mode: CheckpointMode): Promise<boolean> {
    asked++;
    clearTimeout(idle);
    const next = last.then(
      () =>
        new Promise<boolean>((resolve, reject) => {
          const thread = started();
          pending = { resolve, reject };
          thread.ref();
          thread.postMessage(mode);
        }),
    );
    last = next.then(
      () => undefined,
      () => undefined,
    );
    void last.then(() => {
      asked--;
      if (asked === 0) {
        endWhenIdle();
      }
    });
    return next;
  }

  return {
    checkpoint,
    async close() {
      await last;
      clearTimeout(idle);
      const thread = worker;
      worker = null;
      await thread?.terminate();
    },
  };
}
