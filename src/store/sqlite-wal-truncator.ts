import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Truncates the WAL of one database file away from the event loop. */
export interface WalTruncator {
  /** `wal_checkpoint(TRUNCATE)`: every page image the WAL holds is copied into the database
   * file and the WAL is cut to zero bytes. Resolves true once done, false when a reader of
   * another process kept it from finishing (the caller tries again later); rejects on an error. */
  truncate(): Promise<boolean>;
  /** Ends the thread, after the truncate in flight. */
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
parentPort.on('message', () => {
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)');
    parentPort.postMessage({ done: (result && result.busy) === 0 });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
});
parentPort.on('close', () => db.close());
`;

type Answer = { done: boolean } | { error: string };

/** Why a thread: the checkpoint waits for the disk (some milliseconds: it syncs the WAL and the
 * database file), and done on the event loop that wait stops every request the process serves.
 * On a connection of its own in a worker thread, the event loop goes on; SQLite's locking keeps
 * the store's connection from writing until the truncate is done (sqlite-group-commit.ts holds
 * the next group back meanwhile, so its event loop never waits on that lock either).
 *
 * The thread starts on the first truncate (a store that never drops a key never starts it) and
 * keeps the process alive only while a truncate is in flight. */
export function createWalTruncator(path: string): WalTruncator {
  let worker: Worker | null = null;
  /** The truncate the thread is working on; the thread answers messages in order. */
  let pending: { resolve: (done: boolean) => void; reject: (error: Error) => void } | null = null;
  let last: Promise<unknown> = Promise.resolve();

  function settle(): typeof pending {
    const current = pending;
    pending = null;
    worker?.unref();
    return current;
  }

  function started(): Worker {
    if (worker === null) {
      const thread = new Worker(THREAD, {
        eval: true,
        workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
        // It holds one connection and runs one pragma: a small heap is plenty.
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
      });
      thread.on('message', (answer: Answer) => {
        const current = settle();
        if ('error' in answer) {
          current?.reject(new Error(`WAL truncate failed: ${answer.error}`));
        } else {
          current?.resolve(answer.done);
        }
      });
      thread.on('error', (error) => settle()?.reject(error));
      thread.on('exit', (code) => {
        if (worker === thread) {
          worker = null;
        }
        settle()?.reject(new Error(`the WAL truncate thread exited (code ${code})`));
      });
      thread.unref();
      worker = thread;
    }
    return worker;
  }

  /** One at a time: the next waits for the answer to the one before. */
  function truncate(): Promise<boolean> {
    const next = last.then(
      () =>
        new Promise<boolean>((resolve, reject) => {
          const thread = started();
          pending = { resolve, reject };
          thread.ref();
          thread.postMessage('truncate');
        }),
    );
    last = next.catch(() => undefined);
    return next;
  }

  return {
    truncate,
    async close() {
      await last;
      const thread = worker;
      worker = null;
      await thread?.terminate();
    },
  };
}
