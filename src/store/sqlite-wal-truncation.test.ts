import { describe, expect, it } from 'vitest';
import type { CheckpointMode } from './sqlite-wal-checkpointer.js';
import { createWalTruncation } from './sqlite-wal-truncation.js';

/** A checkpointer that records when each truncate started and answers as told. */
function fakeCheckpointer(answer: () => Promise<boolean> = async () => true) {
  const started: number[] = [];
  return {
    started,
    checkpoint(mode: CheckpointMode) {
      expect(mode).toBe('TRUNCATE');
      started.push(Date.now());
      return answer();
    },
  };
}

/** Exclusive work runs at once: the group commit's part is tested with it. */
const writes = { exclusive: <T>(work: () => Promise<T>) => work() };

describe('WAL truncation', () => {
  it('truncates at once after a drop on an idle store', async () => {
    const checkpointer = fakeCheckpointer();
    const truncation = createWalTruncation({ checkpointer, writes, intervalMs: 1_000 });
    const before = Date.now();

    await truncation.afterDrop();

    expect(checkpointer.started).toHaveLength(1);
    expect((checkpointer.started[0] ?? 0) - before).toBeLessThan(500);
  });

  it('serves every drop since the last truncate with one, spaced by the interval', async () => {
    const checkpointer = fakeCheckpointer();
    const truncation = createWalTruncation({ checkpointer, writes, intervalMs: 100 });
    await truncation.afterDrop();

    await Promise.all([truncation.afterDrop(), truncation.afterDrop(), truncation.afterDrop()]);

    expect(checkpointer.started).toHaveLength(2);
    expect((checkpointer.started[1] ?? 0) - (checkpointer.started[0] ?? 0)).toBeGreaterThanOrEqual(90);
  });

  it('answers a drop only with a truncate that started after it', async () => {
    let release: () => void = () => undefined;
    const checkpointer = fakeCheckpointer(
      () =>
        new Promise<boolean>((resolve) => {
          release = () => resolve(true);
        }),
    );
    const truncation = createWalTruncation({ checkpointer, writes, intervalMs: 0 });
    const first = truncation.afterDrop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The first truncate is running: a drop now needs the next one.
    let secondDone = false;
    const second = truncation.afterDrop().then(() => {
      secondDone = true;
    });
    release();
    await first;
    expect(secondDone).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await second;
    expect(checkpointer.started).toHaveLength(2);
  });

  it('fails the drops a failed truncate served, and truncates again later', async () => {
    let calls = 0;
    const checkpointer = fakeCheckpointer(async () => {
      calls++;
      if (calls === 1) {
        throw new Error('disk I/O error');
      }
      return true;
    });
    const truncation = createWalTruncation({ checkpointer, writes, intervalMs: 0 });

    await expect(truncation.afterDrop()).rejects.toThrow('disk I/O error');
    await truncation.afterDrop();

    expect(checkpointer.started).toHaveLength(2);
  });

  it('truncates what is owed at once on flush', async () => {
    const checkpointer = fakeCheckpointer();
    const truncation = createWalTruncation({ checkpointer, writes, intervalMs: 60_000 });
    await truncation.afterDrop();
    const waiting = truncation.afterDrop();

    await truncation.flush();

    await waiting;
    expect(checkpointer.started).toHaveLength(2);
  });
});
