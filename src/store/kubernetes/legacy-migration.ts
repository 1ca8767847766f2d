import type { Logger } from '../../shared/logger.js';
import { decodeSecret, encodeSecret, LABELS, REQUEST_SELECTOR } from './secret-codec.js';
import type { SecretsApi } from './secrets-api.js';
import { acknowledged } from './store-rules.js';

/** Secrets of the old service that this service has not written yet. */
export const LEGACY_SELECTOR = `${REQUEST_SELECTOR},!${LABELS.emailHash}`;

export interface LegacyMigrationDeps {
  api: Pick<SecretsApi, 'listAll' | 'replace'>;
  logger: Pick<Logger, 'debug' | 'info' | 'warn'>;
  pageSize: number;
  /** How often `runIfDue` sweeps again: an old replica may still write during a rolling upgrade. */
  intervalMs: number;
  clock: () => number;
}

/** Gives Secrets written by the old service the labels look-ups and the worker's selectors
 * rely on (email hash, handled state), in place and conditionally on their resourceVersion.
 * Reading never depends on it (the codec understands old Secrets), but the label-selector
 * look-up by email only finds migrated ones. Cheap when there is nothing to do: one list
 * call whose selector matches nothing. */
export function createLegacyMigration({ api, logger, pageSize, intervalMs, clock }: LegacyMigrationDeps) {
  let firstSweep: Promise<void> | null = null;
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | null = null;

  async function sweep(): Promise<void> {
    let migrated = 0;
    let skipped = 0;
    for await (const secret of api.listAll(LEGACY_SELECTOR, pageSize)) {
      const name = secret.metadata?.name ?? '?';
      const decoded = decodeSecret(secret);
      if (!decoded.ok) {
        skipped++;
        logger.warn(
          { secret: name, problem: decoded.error.message },
          'Skipping an unreadable key request Secret',
        );
        continue;
      }
      const stamp = new Date(clock()).toISOString();
      const result = await api.replace(name, encodeSecret(acknowledged(decoded.value, stamp), secret));
      if (result.ok) {
        migrated++;
      } else {
        // Someone else changed or deleted it since the list; the next sweep looks again.
        logger.debug({ secret: name, outcome: result.error.code }, 'Legacy Secret changed during migration');
      }
    }
    lastSweepAt = clock();
    if (migrated > 0 || skipped > 0) {
      logger.info({ migrated, skipped }, 'Migrated key request Secrets of the previous service');
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
  function ensureOnce(): Promise<void> {
    if (firstSweep === null) {
      const attempt = start();
      firstSweep = attempt;
      attempt.catch(() => {
        firstSweep = null;
      });
    }
    return firstSweep;
  }

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
