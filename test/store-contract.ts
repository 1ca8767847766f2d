import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyEntry } from '../src/requests/history.js';
import type { RequestStore } from '../src/store/request-store.js';
import { describeLifecycleContract } from './store-contract-lifecycle.js';
import { mustUpdate } from './support/must-update.js';

export interface StoreHarness {
  store: RequestStore;
  cleanup: () => Promise<void>;
}

/** The store's clock: real time, moved ahead on demand so timestamps can be told apart. */
export type StoreClock = () => Date;

/** The behaviour every RequestStore adapter must show; the worker and the HTTP layer rely on it.
 * `setup` builds a store that takes its timestamps from `clock`. */
export function describeRequestStoreContract(
  name: string,
  setup: (clock: StoreClock) => Promise<StoreHarness>,
): void {
  describe(`RequestStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: RequestStore;
    let aheadMs = 0;
    const clock: StoreClock = () => new Date(Date.now() + aheadMs);

    beforeEach(async () => {
      aheadMs = 0;
      harness = await setup(clock);
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    describe('create', () => {
      it('creates a pending request that needs work', async () => {
        const { request, created } = await store.create({ email: 'a@example.com', model: 'm1' });
        expect(created).toBe(true);
        expect(request).toMatchObject({
          email: 'a@example.com',
          model: 'm1',
          state: 'pending',
          reason: null,
          apiKey: null,
          pendingKey: null,
          handledState: null,
        });
        expect(request.id).toMatch(/^[a-z0-9-]{8,64}$/);
        expect(Date.parse(request.createdAt)).not.toBeNaN();
        expect(await store.get(request.id)).toEqual(request);
      });

      it('stores a decision made at submission in the same create, and answers the request as read back', async () => {
        const decided = historyEntry('decided', 'plugin:whitelist', {
          from: 'pending',
          to: 'approved',
          reason: 'ok',
        });
        const decision = {
          state: 'approved' as const,
          reason: 'ok',
          pendingKey: 'sk-reserved',
          append: [decided],
        };
        const { request, created } = await store.create({ email: 'Dee@Example.com', model: 'm1', decision });
        expect(created).toBe(true);
        expect(request).toMatchObject({
          email: 'dee@example.com',
          state: 'approved',
          reason: 'ok',
          pendingKey: 'sk-reserved',
          handledState: null,
          cycle: 1,
        });
        expect(request.history.map((entry) => [entry.actor, entry.action, entry.from, entry.to])).toEqual([
          ['requester', 'created', null, 'pending'],
          ['plugin:whitelist', 'decided', 'pending', 'approved'],
        ]);
        expect(await store.get(request.id)).toEqual(request);
        // A create that finds the request drops its decision.
        const again = await store.create({
          email: 'dee@example.com',
          model: 'm1',
          decision: { state: 'denied' },
        });
        expect(again).toEqual({ request, created: false });
      });

      it('returns the existing request for the same email and model', async () => {
        const first = await store.create({ email: 'a@example.com', model: 'm1' });
        const again = await store.create({ email: 'a@example.com', model: 'm1' });
        expect(again.created).toBe(false);
        expect(again.request.id).toBe(first.request.id);
      });

      it('keeps separate requests for other models and other emails', async () => {
        const a = await store.create({ email: 'a@example.com', model: 'm1' });
        const b = await store.create({ email: 'a@example.com', model: 'm2' });
        const c = await store.create({ email: 'b@example.com', model: 'm1' });
        expect(new Set([a.request.id, b.request.id, c.request.id]).size).toBe(3);
      });

      it('yields exactly one request under concurrent creates', async () => {
        const results = await Promise.all(
          Array.from({ length: 12 }, () => store.create({ email: 'race@example.com', model: 'm1' })),
        );
        expect(new Set(results.map((r) => r.request.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
      });
    });

    describe('email', () => {
      it('stores the canonical email and finds the request however the email is written', async () => {
        const { request } = await store.create({ email: '  Jane@Example.COM ', model: 'm1' });
        expect(request.email).toBe('jane@example.com');
        expect((await store.findByEmailAndModel('JANE@example.com', 'm1'))?.id).toBe(request.id);
        const again = await store.create({ email: 'jane@EXAMPLE.com', model: 'm1' });
        expect(again.created).toBe(false);
        expect(again.request.id).toBe(request.id);
      });
    });

    describe('look-ups', () => {
      it('finds by email and model and answers null for unknown ones', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        expect((await store.findByEmailAndModel('a@example.com', 'm1'))?.id).toBe(request.id);
        expect(await store.findByEmailAndModel('a@example.com', 'm2')).toBeNull();
        expect(await store.findByEmailAndModel('z@example.com', 'm1')).toBeNull();
        expect(await store.get('00000000000000000000000000000000')).toBeNull();
      });

      it('finds the brief of a request by email and model: the fields a repeated submission reads', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const mailed = await mustUpdate(store, request, {
          state: 'in-review',
          linkMail: { hour: 7 },
          lastLinkMailHour: 6,
        });
        const brief = await store.findBriefByEmailAndModel('A@Example.com', 'm1');
        expect(brief).toMatchObject({
          id: request.id,
          version: mailed.version,
          state: 'in-review',
          linkMail: { hour: 7 },
          lastLinkMailHour: 6,
        });
        expect(await store.findBriefByEmailAndModel('a@example.com', 'm2')).toBeNull();
        expect(await store.findBriefByEmailAndModel('z@example.com', 'm1')).toBeNull();
      });
    });

    describe('update', () => {
      it('applies a patch when the version matches and issues a new version', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const updated = await mustUpdate(store, request, {
          state: 'approved',
          reason: 'whitelisted',
          pendingKey: 'sk-reserved',
          work: { attempts: 2, nextAttemptAt: 1234, lastError: 'litellm timeout' },
        });
        expect(updated).toMatchObject({
          state: 'approved',
          reason: 'whitelisted',
          pendingKey: 'sk-reserved',
        });
        expect(updated.work).toMatchObject({
          attempts: 2,
          nextAttemptAt: 1234,
          lastError: 'litellm timeout',
        });
        expect(updated.version).not.toBe(request.version);
        expect(await store.get(request.id)).toEqual(updated);
      });

      it('answers every kind of field as it reads it back: encoded, normalised and appended ones', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const failure = {
          kind: 'denial' as const,
          error: '550 no such user',
          at: '2030-01-01T00:00:00.000Z',
        };
        const updated = await mustUpdate(store, request, {
          state: 'denied',
          handledState: 'denied',
          expiresAt: '2030-01-02T03:04:05+00:00',
          notificationFailure: failure,
          linkMail: { hour: 9 },
          lastLinkMailHour: 8,
          work: { owner: 'w1', leaseUntil: 99 },
          append: [historyEntry('decided', 'plugin:email', { from: 'pending', to: 'denied', reason: 'no' })],
        });
        expect(updated).toMatchObject({
          expiresAt: '2030-01-02T03:04:05.000Z',
          notificationFailure: failure,
        });
        expect(updated.history).toHaveLength(2);
        expect(await store.get(request.id)).toEqual(updated);
        const cleared = await mustUpdate(store, updated, { notificationFailure: null, linkMail: null });
        expect(await store.get(request.id)).toEqual(cleared);
      });

      it('stores keys and clears fields set to null', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const withKey = await mustUpdate(store, request, {
          state: 'approved',
          pendingKey: 'sk-1',
          handledState: 'pending',
        });
        const done = await mustUpdate(store, withKey, {
          apiKey: 'sk-1',
          pendingKey: null,
          handledState: 'approved',
        });
        expect(done).toMatchObject({ apiKey: 'sk-1', pendingKey: null, handledState: 'approved' });
        const reread = await store.get(request.id);
        expect(reread).toMatchObject({ apiKey: 'sk-1', pendingKey: null, handledState: 'approved' });
      });

      it('refuses a stale version with conflict and changes nothing', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const winner = await mustUpdate(store, request, { state: 'denied', reason: 'first' });
        const loser = await store.update(request.id, request.version, {
          state: 'approved',
          reason: 'second',
        });
        expect(loser).toMatchObject({ ok: false, error: { code: 'conflict' } });
        expect(await store.get(request.id)).toEqual(winner);
      });

      it('lets exactly one of two concurrent writers with the same version win', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const results = await Promise.all([
          store.update(request.id, request.version, { reason: 'one' }),
          store.update(request.id, request.version, { reason: 'two' }),
        ]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.flatMap((r) => (r.ok ? [] : [r.error.code]))).toEqual(['conflict']);
      });

      it('moves updatedAt on a change users can see, not on worker bookkeeping', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        expect(request.updatedAt).toBe(request.createdAt);
        aheadMs = 60_000;
        const [claimed] = await store.claimDue({
          policy: { remindBeforeMs: 0 },
          owner: 'w',
          now: Date.now(),
          leaseMs: 60_000,
          limit: 1,
        });
        expect(claimed?.updatedAt).toBe(request.updatedAt);
        const booked = await mustUpdate(store, claimed ?? request, {
          pendingKey: 'sk-1',
          handledState: 'pending',
          work: { attempts: 1, nextAttemptAt: 5, lastError: 'timeout' },
        });
        expect(booked.updatedAt).toBe(request.updatedAt);
        aheadMs = 120_000;
        const decided = await mustUpdate(store, booked, { reason: 'looked at' });
        expect(Date.parse(decided.updatedAt) - Date.parse(request.updatedAt)).toBeGreaterThanOrEqual(120_000);
        expect(decided.createdAt).toBe(request.createdAt);
        expect(await store.get(request.id)).toEqual(decided);
      });

      it('answers not-found for an unknown id', async () => {
        expect(await store.update('00000000000000000000000000000000', '1', { reason: 'x' })).toMatchObject({
          ok: false,
          error: { code: 'not-found' },
        });
      });
    });

    describe('list', () => {
      it('pages through every request exactly once and filters by state', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          const { request } = await store.create({ email: `user${i}@example.com`, model: 'm1' });
          ids.push(request.id);
          if (i % 3 === 0) {
            await mustUpdate(store, request, { state: 'denied', reason: 'no' });
          }
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.list({ limit: 2, ...(cursor === undefined ? {} : { cursor }) });
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...page.items.map((r) => r.id));
          if (page.nextCursor === null) {
            break;
          }
          cursor = page.nextCursor;
        }
        expect(seen.sort()).toEqual([...ids].sort());
        const denied = await store.list({ state: 'denied', limit: 50 });
        expect(denied.items.map((r) => r.id).sort()).toEqual([ids[0], ids[3], ids[6]].sort());
        expect(denied.items.every((r) => r.state === 'denied')).toBe(true);
      });
    });

    describe('claimDue', () => {
      const lease = { leaseMs: 60_000, limit: 50 };

      it('leases requests that need work and skips settled ones', async () => {
        const pending = (await store.create({ email: 'p@example.com', model: 'm1' })).request;
        const settled = (await store.create({ email: 's@example.com', model: 'm1' })).request;
        await mustUpdate(store, settled, { state: 'denied', reason: 'no', handledState: 'denied' });
        const claimed = await store.claimDue({
          policy: { remindBeforeMs: 0 },
          owner: 'w1',
          now: Date.now(),
          ...lease,
        });
        expect(claimed.map((r) => r.id)).toEqual([pending.id]);
        expect(claimed[0]?.work.owner).toBe('w1');
        expect(claimed[0]?.work.leaseUntil).toBeGreaterThan(Date.now());
      });

      it('hands a request to one owner until its lease expires, then to another', async () => {
        const request = (await store.create({ email: 'p@example.com', model: 'm1' })).request;
        const now = Date.now();
        expect(
          await store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'w1', now, ...lease }),
        ).toHaveLength(1);
        expect(
          await store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'w2', now: now + 1000, ...lease }),
        ).toHaveLength(0);
        const taken = await store.claimDue({
          policy: { remindBeforeMs: 0 },
          owner: 'w2',
          now: now + lease.leaseMs + 1,
          ...lease,
        });
        expect(taken.map((r) => [r.id, r.work.owner])).toEqual([[request.id, 'w2']]);
      });

      it('gives concurrent claimers disjoint requests', async () => {
        for (let i = 0; i < 10; i++) {
          await store.create({ email: `u${i}@example.com`, model: 'm1' });
        }
        const now = Date.now();
        const [a, b] = await Promise.all([
          store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'a', now, leaseMs: 60_000, limit: 6 }),
          store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'b', now, leaseMs: 60_000, limit: 6 }),
        ]);
        const ids = [...(a ?? []), ...(b ?? [])].map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(10);
      });

      it('respects the retry time and the limit', async () => {
        const later = (await store.create({ email: 'later@example.com', model: 'm1' })).request;
        const now = Date.now();
        await mustUpdate(store, later, { work: { nextAttemptAt: now + 30_000 } });
        for (let i = 0; i < 3; i++) {
          await store.create({ email: `u${i}@example.com`, model: 'm1' });
        }
        const claimed = await store.claimDue({
          policy: { remindBeforeMs: 0 },
          owner: 'w',
          now,
          leaseMs: 60_000,
          limit: 2,
        });
        expect(claimed).toHaveLength(2);
        expect(claimed.map((r) => r.id)).not.toContain(later.id);
        const rest = await store.claimDue({
          policy: { remindBeforeMs: 0 },
          owner: 'w',
          now: now + 31_000,
          leaseMs: 60_000,
          limit: 10,
        });
        expect(rest.map((r) => r.id)).toContain(later.id);
      });

      it('returns the claimed version, usable for the next conditional update', async () => {
        await store.create({ email: 'p@example.com', model: 'm1' });
        const [claimed] = await store.claimDue({
          policy: { remindBeforeMs: 0 },
          owner: 'w',
          now: Date.now(),
          ...lease,
        });
        if (!claimed) {
          throw new Error('nothing claimed');
        }
        const result = await store.update(claimed.id, claimed.version, { state: 'approved' });
        expect(result.ok).toBe(true);
      });

      it('treats an approved request without a handled approval as work (approved by hand)', async () => {
        const request = (await store.create({ email: 'p@example.com', model: 'm1' })).request;
        await mustUpdate(store, request, { state: 'in-review', handledState: 'in-review' });
        expect(
          await store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'w', now: Date.now(), ...lease }),
        ).toHaveLength(0);
        const current = await store.get(request.id);
        if (!current) {
          throw new Error('missing');
        }
        await mustUpdate(store, current, { state: 'approved' });
        expect(
          (
            await store.claimDue({ policy: { remindBeforeMs: 0 }, owner: 'w', now: Date.now(), ...lease })
          ).map((r) => r.id),
        ).toEqual([request.id]);
      });
    });

    describe('stats and ping', () => {
      it('counts requests by state and the waiting queue', async () => {
        const a = (await store.create({ email: 'a@example.com', model: 'm1' })).request;
        await store.create({ email: 'b@example.com', model: 'm1' });
        await mustUpdate(store, a, { state: 'denied', reason: 'no', handledState: 'denied' });
        const stats = await store.stats();
        expect(stats.byState).toMatchObject({
          pending: 1,
          denied: 1,
          approved: 0,
          'in-review': 0,
          revoked: 0,
        });
        expect(stats.queueDepth).toBe(1);
        expect(stats.oldestWaitingAt).toBeGreaterThan(Date.now() - 60_000);
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describeLifecycleContract({
      store: () => store,
      setClockAhead: (ms) => {
        aheadMs = ms;
      },
    });
  });
}
