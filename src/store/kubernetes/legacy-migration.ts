import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from '../../shared/logger.js';
import { onceUntilFailure } from '../../shared/once-until-failure.js';
import type { Result } from '../../shared/result.js';
import { encodeSecret } from './secret-codec.js';
import type { ReadableSecret } from './store-cache.js';
import { acknowledged } from './store-rules.js';

export interface LegacyMigrationDeps {
  /** The readable Secrets of the old service that this service has not written yet (from memory). */
  legacy: () => ReadableSecret[];
  /** The store's conditional replace (it keeps its memory in step with the answer). */
  replace: (name: string, secret: V1Secret) => Promise<Result<V1Secret>>;
  logger: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** How often `runIfDue` sweeps again: an old replica may still write during a rolling upgrade. */
  intervalMs: number;
  clock: () => number;
}

/** Gives Secrets written by the old service the labels this service writes (email hash, handled
 * state), in place and conditionally on their resourceVersion, so `kubectl get -l` and other
 * tools that select by them see old requests too. Reading never depends on it: the codec
 * understands old Secrets. Cheap when there is nothing to do: a pass over the memory. */
export function createLegacyMigration({ legacy, replace, logger, intervalMs, clock }: LegacyMigrationDeps) {
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | null = null;

  async function sweep(): Promise<void> {
    let migrated = 0;
    for (const { secret, decoded } of legacy()) {
      const name = secret.metadata?.name ?? '?';
      const stamp = new Date(clock()).toISOString();
      const result = await replace(name, encodeSecret(acknowledged(decoded, stamp), secret));
      if (result.ok) {
        migrated++;
      } else {
        // Someone else changed or deleted it since we saw it; the next sweep looks again.
        logger.debug({ secret: name, outcome: result.error.code }, 'Legacy Secret changed during migration');
      }
    }
    lastSweepAt = clock();
    if (migrated > 0) {
      logger.info({ migrated }, 'Migrated key request Secrets of the previous service');
    }
  }

  function start(): Promise<void> {
    if (running === null) {
      running = sweep().finally(() => {
        running = null;
      });
    }
    return running;
  }

  /** Resolves once one sweep has completed in this process; rejects (and retries on the next call) if it fails. */
  const ensureOnce = onceUntilFailure(start);

  /** Sweeps again when the interval has passed; failures are logged, not thrown. */
  async function runIfDue(): Promise<void> {
    if (clock() - lastSweepAt < intervalMs) {
      return;
    }
    try {
      await ensureOnce();
      if (clock() - lastSweepAt >= intervalMs) {
        await start();
      }
    } catch (error) {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'Legacy Secret migration failed',
      );
    }
  }

  return { ensureOnce, runIfDue };
}
