import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProcessorKit, processorKit } from '../../test/support/processor-kit.js';
import { historyEntry } from '../requests/history.js';
import type { KeyRequest } from '../requests/request-types.js';
import { AppError, storeUnavailable } from '../shared/errors.js';
import type { ProcessorDeps } from './request-processor.js';
import { isStoreOutage, landed, untilAnswered } from './store-outages.js';

// A store that fails to answer a write after the mail went out must not cost a second mail: the
// worker asks again a few times, and a write that landed although the store reported a
// failure is not applied twice. Found by the fault suite (test/faults): a 500 from the
// Kubernetes API server on the write recording a delivered mail left the lease to expire, and
// the next worker sent the mail again.

describe('untilAnswered', () => {
  it('asks a store that did not answer again, and says how often it did not', async () => {
    let calls = 0;
    const answered = await untilAnswered(async () => {
      calls++;
      if (calls < 3) {
        throw storeUnavailable(new Error('API server answered 500'));
      }
      return 'stored';
    });

    expect(answered).toEqual({ value: 'stored', outages: 2 });
  });

  it('throws anything but an outage at once', async () => {
    let calls = 0;
    const bug = new Error('cannot read the Secret');

    await expect(
      untilAnswered(async () => {
        calls++;
        throw bug;
      }),
    ).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it('gives up after a bounded number of tries', async () => {
    let calls = 0;
    await expect(
      untilAnswered(async () => {
        calls++;
        throw storeUnavailable(new Error('down'));
      }),
    ).rejects.toMatchObject({ code: 'store-unavailable' });
    expect(calls).toBe(6);
  }, 10_000);

  it('counts only store-unavailable as an outage', () => {
    expect(isStoreOutage(storeUnavailable(new Error('x')))).toBe(true);
    expect(isStoreOutage(new AppError('conflict', 'changed'))).toBe(false);
    expect(isStoreOutage(new Error('bug'))).toBe(false);
  });
});

describe('landed', () => {
  const delivered = historyEntry('mail-delivered', 'worker', {
    from: 'approved',
    to: 'approved',
    reason: 'approval mail',
  });
  const request = (history: KeyRequest['history'], owner: string | null) =>
    ({
      history,
      work: { owner, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
    }) as unknown as KeyRequest;
  const at = '2026-01-01T00:00:00.000Z';

  it('sees a write whose entries are the newest ones', () => {
    expect(landed(request([{ ...delivered, at }], null), { append: [delivered] })).toBe(true);
  });

  it('does not mistake an earlier entry of another kind for it', () => {
    const reminded = { ...delivered, reason: 'reminder mail' };
    expect(landed(request([{ ...reminded, at }], null), { append: [delivered] })).toBe(false);
    expect(landed(request([], null), { append: [delivered] })).toBe(false);
  });

  it('sees a release landed once the lease is free, and nothing else without entries', () => {
    expect(landed(request([], null), { work: { owner: null } })).toBe(true);
    expect(landed(request([], 'worker-a'), { work: { owner: null } })).toBe(false);
    expect(landed(request([], null), { pendingKey: 'sk-reserved' })).toBe(false);
  });
});

describe('request processor: a store that does not answer', () => {
  let k: ProcessorKit;
  beforeEach(() => {
    k = processorKit();
  });
  afterEach(async () => {
    await k.close();
  });

  /** The real store, whose write recording a delivered mail fails `times` times: before
   * applying it, or (`landedFirst`) after applying it, as an API server that times out on a
   * write it committed. */
  function failingDeliveryRecord(times: number, landedFirst = false): ProcessorDeps['store'] {
    let left = times;
    return {
      get: (id) => k.store.get(id),
      async update(id, version, patch) {
        const recordsMail = patch.append?.some((entry) => entry.action === 'mail-delivered') ?? false;
        if (!recordsMail || left === 0) {
          return k.store.update(id, version, patch);
        }
        left--;
        if (landedFirst) {
          await k.store.update(id, version, patch);
        }
        throw storeUnavailable(new Error('replace secret: API server answered 500'));
      },
    };
  }

  it('records a delivered mail once the store answers again, and sends it once', async () => {
    const request = await k.claimed();

    const outcome = await k.processor({ store: failingDeliveryRecord(2) })(request);

    expect(outcome).toEqual({ status: 'done' });
    expect(k.mailed.map((mail) => mail.messageId)).toEqual([`<${request.id}.approval.c1@llm-key-requestor>`]);
    const after = await k.stored(request.id);
    expect(after).toMatchObject({ state: 'approved', handledState: 'approved', apiKey: null });
    expect(after.work.owner).toBeNull();
    expect(after.history.filter((entry) => entry.action === 'mail-delivered')).toHaveLength(1);
    // Nothing is due: no other worker will send it again.
    expect(await k.claimAll(k.clock + 10 * 60_000)).toEqual([]);
  });

  it('does not record twice a write that landed although the store reported a failure', async () => {
    const request = await k.claimed();

    const outcome = await k.processor({ store: failingDeliveryRecord(1, true) })(request);

    expect(outcome).toEqual({ status: 'done' });
    expect(k.mailed).toHaveLength(1);
    const after = await k.stored(request.id);
    expect(after).toMatchObject({ state: 'approved', handledState: 'approved' });
    expect(after.history.filter((entry) => entry.action === 'mail-delivered')).toHaveLength(1);
    expect(k.log.entries.map((entry) => entry.message)).not.toContain('request taken over by another worker');
  });

  it('leaves the lease to expire when the store stays down', async () => {
    const request = await k.claimed();

    const outcome = await k.processor({ store: failingDeliveryRecord(Number.POSITIVE_INFINITY) })(request);

    expect(outcome.status).toBe('retry');
    const after = await k.stored(request.id);
    expect(after.handledState).toBeNull();
    expect(after.work.owner).not.toBeNull();
    expect(k.log.entries.map((entry) => entry.message)).toContain('request processing failed');
  }, 10_000);
});
