import { beforeEach, describe, expect, it } from 'vitest';
import { historyEntry } from '../src/requests/history.js';
import type { KeyRequest } from '../src/requests/request-types.js';
import type { ClaimOptions, ListSort, RequestStore } from '../src/store/request-store.js';
import { mustUpdate } from './support/must-update.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What the lifecycle contract needs from the contract around it: the store under test and
 * the store's clock, moved ahead by `ms` from real time. */
export interface ContractContext {
  store(): RequestStore;
  setClockAhead(ms: number): void;
}

/** The key-lifecycle part of the store contract: every field of the request, the history
 * appended in the conditional write, the clock-driven duties claimDue finds, search and order
 * of list(), and shared secrets. Runs inside describeRequestStoreContract, on its store. */
export function describeLifecycleContract(context: ContractContext): void {
  describe('key lifecycle', () => {
    let store: RequestStore;
    const setAhead = (ms: number) => context.setClockAhead(ms);

    beforeEach(() => {
      store = context.store();
    });

    async function current(request: KeyRequest): Promise<KeyRequest> {
      const found = await store.get(request.id);
      if (!found) {
        throw new Error(`request ${request.id} is gone`);
      }
      return found;
    }

    describe('new fields', () => {
      it('creates a request in its first cycle, with the typed address, language and a created entry', async () => {
        const { request } = await store.create({
          email: 'jane@example.com',
          model: 'm1',
          notifyEmail: 'Jane+LLM@Example.com',
          language: 'de',
        });
        expect(request).toMatchObject({
          email: 'jane@example.com',
          notifyEmail: 'Jane+LLM@Example.com',
          language: 'de',
          cycle: 1,
          expiresAt: null,
          keyHash: null,
          keyHint: null,
          remindedCycle: 0,
          notificationFailure: null,
          linkMail: null,
          lastLinkMailHour: null,
        });
        expect(request.history).toEqual([
          {
            at: request.createdAt,
            actor: 'requester',
            action: 'created',
            from: null,
            to: 'pending',
            reason: null,
          },
        ]);
        expect(await current(request)).toEqual(request);
      });

      it('names another creator in the created entry, and takes no notify address as none', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1', actor: 'mcp:bob' });
        expect(request).toMatchObject({ notifyEmail: null, language: null });
        expect(request.history[0]?.actor).toBe('mcp:bob');
      });

      it('stores every lifecycle field a patch sets, and clears each again', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const failure = {
          kind: 'reminder',
          error: '550 mailbox unavailable',
          at: '2025-02-01T00:00:00.000Z',
        } as const;
        const set = {
          cycle: 3,
          expiresAt: '2030-01-01T00:00:00.000Z',
          keyHash: 'a'.repeat(64),
          keyHint: 'wxyz',
          notifyEmail: 'A@Example.com',
          language: 'es',
          remindedCycle: 2,
          notificationFailure: failure,
          linkMail: { hour: 490_000 },
          lastLinkMailHour: 489_999,
        } as const;
        const withAll = await mustUpdate(store, request, set);
        expect(withAll).toMatchObject(set);
        expect(await current(request)).toEqual(withAll);
        const cleared = await mustUpdate(store, withAll, {
          expiresAt: null,
          keyHash: null,
          keyHint: null,
          notifyEmail: null,
          language: null,
          remindedCycle: 0,
          notificationFailure: null,
          linkMail: null,
          lastLinkMailHour: null,
        });
        expect(cleared).toMatchObject({
          cycle: 3,
          expiresAt: null,
          keyHash: null,
          keyHint: null,
          notifyEmail: null,
          language: null,
          remindedCycle: 0,
          notificationFailure: null,
          linkMail: null,
          lastLinkMailHour: null,
        });
        expect(await current(request)).toEqual(cleared);
      });

      it('clears handledState on a state change, unless the patch sets it', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const settled = await mustUpdate(store, request, { state: 'approved', handledState: 'approved' });
        const renewed = await mustUpdate(store, settled, { state: 'pending', cycle: 2 });
        expect(renewed.handledState).toBeNull();
        const again = await mustUpdate(store, renewed, { state: 'approved' });
        expect(again.handledState).toBeNull();
        const kept = await mustUpdate(store, again, { state: 'denied', handledState: 'approved' });
        expect(kept.handledState).toBe('approved');
      });
    });

    describe('history', () => {
      it('appends the entries of a patch in order, stamped with the time of the write', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        setAhead(60_000);
        const decided = await mustUpdate(store, request, {
          state: 'approved',
          reason: 'whitelisted',
          append: [
            historyEntry('decided', 'plugin:whitelist', {
              from: 'pending',
              to: 'approved',
              reason: 'whitelisted',
            }),
            { ...historyEntry('mail-delivered', 'worker'), at: '2025-01-01T00:00:00.000Z' },
          ],
        });
        expect(decided.history.map((entry) => entry.action)).toEqual([
          'created',
          'decided',
          'mail-delivered',
        ]);
        expect(decided.history[1]).toEqual({
          at: decided.updatedAt,
          actor: 'plugin:whitelist',
          action: 'decided',
          from: 'pending',
          to: 'approved',
          reason: 'whitelisted',
        });
        expect(decided.history[2]?.at).toBe('2025-01-01T00:00:00.000Z');
        expect(await current(request)).toEqual(decided);
      });

      it('keeps every entry through later changes, and appends nothing when the write loses', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const first = await mustUpdate(store, request, {
          state: 'denied',
          append: [historyEntry('denied', 'admin:root', { from: 'pending', to: 'denied', reason: 'no' })],
        });
        const loser = await store.update(request.id, request.version, {
          state: 'approved',
          append: [historyEntry('approved', 'admin:eve', { from: 'pending', to: 'approved' })],
        });
        expect(loser.ok).toBe(false);
        const second = await mustUpdate(store, first, {
          state: 'approved',
          cycle: 2,
          append: [historyEntry('reissued', 'admin:root', { from: 'denied', to: 'approved' })],
        });
        const bookkeeping = await mustUpdate(store, second, { work: { attempts: 1 } });
        expect(bookkeeping.history.map((entry) => `${entry.action}:${entry.actor}`)).toEqual([
          'created:requester',
          'denied:admin:root',
          'reissued:admin:root',
        ]);
      });

      it('appends under concurrent writers exactly the winners entries', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const results = await Promise.all(
          ['one', 'two', 'three'].map((reason) =>
            store.update(request.id, request.version, {
              reason,
              append: [historyEntry('parked', `admin:${reason}`)],
            }),
          ),
        );
        const winners = results.flatMap((result) => (result.ok ? [result.value] : []));
        expect(winners).toHaveLength(1);
        const stored = await current(request);
        expect(stored.history.map((entry) => entry.actor)).toEqual([
          'requester',
          `admin:${winners[0]?.reason}`,
        ]);
      });
    });

    describe('claimDue finds lifecycle duties', () => {
      const lease = { owner: 'w', leaseMs: 60_000, limit: 50 };
      const claim = (now: number, policy: ClaimOptions['policy']) =>
        store.claimDue({ ...lease, now, policy });
      const REMIND = { remindBeforeMs: 7 * DAY };
      const OFF = { remindBeforeMs: 0 };

      /** An approved request whose key is issued for its cycle, expiring `inMs` from `now`. */
      async function issued(email: string, now: number, inMs: number, patch: Partial<KeyRequest> = {}) {
        const { request } = await store.create({ email, model: 'm1' });
        return mustUpdate(store, request, {
          state: 'approved',
          handledState: 'approved',
          expiresAt: new Date(now + inMs).toISOString(),
          keyHash: 'f'.repeat(64),
          ...patch,
        });
      }

      it('claims an issued key whose expiry has passed, with or without reminders', async () => {
        const now = Date.now();
        const expired = await issued('expired@example.com', now, -1000);
        await issued('later@example.com', now, DAY, { remindedCycle: 1 });
        await issued('never@example.com', now, 30 * DAY);
        expect((await claim(now, OFF)).map((r) => r.id)).toEqual([expired.id]);
      });

      it('claims a key within remind_before of its expiry once per cycle, and not with reminders off', async () => {
        const now = Date.now();
        const soon = await issued('soon@example.com', now, 3 * DAY);
        await issued('reminded@example.com', now, 3 * DAY, { remindedCycle: 1 });
        await issued('far@example.com', now, 8 * DAY);
        const renewed = await issued('renewed@example.com', now, 3 * DAY, { cycle: 2, remindedCycle: 1 });
        expect(await claim(now, OFF)).toEqual([]);
        expect((await claim(now, REMIND)).map((r) => r.id).sort()).toEqual([soon.id, renewed.id].sort());
      });

      it('does not claim an expiry or reminder before the retry time, or while leased', async () => {
        const now = Date.now();
        const backing = await issued('backoff@example.com', now, -1000);
        await mustUpdate(store, backing, { work: { nextAttemptAt: now + 30_000 } });
        expect(await claim(now, REMIND)).toEqual([]);
        expect((await claim(now + 30_000, REMIND)).map((r) => r.id)).toEqual([backing.id]);
        expect(await claim(now + 31_000, REMIND)).toEqual([]);
      });

      it('leaves alone the expiry of a request that is no longer approved, and claims a renewal for its state', async () => {
        const now = Date.now();
        const renewing = await issued('renewing@example.com', now, -DAY);
        const settledDenial = await issued('denied@example.com', now, -DAY);
        await mustUpdate(store, settledDenial, { state: 'denied', handledState: 'denied' });
        const claimed = await claim(now, REMIND);
        expect(claimed.map((r) => r.id)).toEqual([renewing.id]);
        // Approved again for a new cycle and not handled yet: due for its state duties, not for the old expiry.
        const released = await mustUpdate(store, claimed[0] ?? renewing, {
          state: 'pending',
          cycle: 2,
          work: { owner: null, leaseUntil: null },
        });
        expect((await claim(now, REMIND)).map((r) => [r.id, r.state])).toEqual([[released.id, 'pending']]);
      });

      it('claims a settled request that has a link mail waiting', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        const settled = await mustUpdate(store, request, { state: 'denied', handledState: 'denied' });
        expect(await claim(Date.now(), REMIND)).toEqual([]);
        await mustUpdate(store, settled, { linkMail: { hour: 1 } });
        const claimed = await claim(Date.now(), REMIND);
        expect(claimed.map((r) => [r.id, r.linkMail])).toEqual([[request.id, { hour: 1 }]]);
        const sent = await mustUpdate(store, claimed[0] ?? settled, {
          linkMail: null,
          lastLinkMailHour: 1,
          work: { owner: null, leaseUntil: null },
        });
        expect(sent.work.owner).toBeNull();
        expect(await claim(Date.now(), REMIND)).toEqual([]);
      });
    });

    describe('list search and order', () => {
      it('finds by a substring of email, model or id, in any case', async () => {
        const a = (await store.create({ email: 'anna@example.com', model: 'gpt-4o' })).request;
        const b = (await store.create({ email: 'bert@example.org', model: 'ollama/llama3' })).request;
        const ids = async (q: string) => (await store.list({ limit: 50, q })).items.map((r) => r.id).sort();
        expect(await ids('EXAMPLE.ORG')).toEqual([b.id]);
        expect(await ids('Llama')).toEqual([b.id]);
        expect(await ids(a.id.slice(2, 10))).toEqual([a.id]);
        expect(await ids('example')).toEqual([a.id, b.id].sort());
        expect(await ids('nobody')).toEqual([]);
        expect((await store.list({ limit: 50, q: 'example', state: 'denied' })).items).toEqual([]);
      });

      it.each([
        ['-created_at', [3, 2, 1, 0]],
        ['created_at', [0, 1, 2, 3]],
        ['-updated_at', [1, 3, 2, 0]],
        ['updated_at', [0, 2, 3, 1]],
      ] as [ListSort, number[]][])('pages through every request once in %s order', async (sort, order) => {
        const made: KeyRequest[] = [];
        for (let i = 0; i < 4; i++) {
          setAhead(i * 1000);
          made.push((await store.create({ email: `u${i}@example.com`, model: 'm1' })).request);
        }
        // Changed later, in this order: u2, u3, u1 (u0 never).
        for (const [step, index] of [2, 3, 1].entries()) {
          setAhead(10_000 + step * 1000);
          await mustUpdate(store, made[index] as KeyRequest, { reason: `changed ${step}` });
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.list({ limit: 3, sort, ...(cursor === undefined ? {} : { cursor }) });
          seen.push(...page.items.map((r) => r.id));
          if (page.nextCursor === null) {
            break;
          }
          cursor = page.nextCursor;
        }
        expect(seen).toEqual(order.map((index) => made[index]?.id));
      });
    });

    describe('sharedSecret', () => {
      it('gives 32 random bytes per name, the same on every call, also when asked at once', async () => {
        const together = await Promise.all([1, 2, 3, 4].map(() => store.sharedSecret('token-key')));
        expect(together[0]).toHaveLength(32);
        for (const secret of together) {
          expect(secret.equals(together[0] as Buffer)).toBe(true);
        }
        expect((await store.sharedSecret('token-key')).equals(together[0] as Buffer)).toBe(true);
        expect((await store.sharedSecret('other-key')).equals(together[0] as Buffer)).toBe(false);
      });

      it('refuses names that are not [a-z0-9-]', async () => {
        await expect(store.sharedSecret('../etc')).rejects.toThrow(/invalid shared secret name/);
      });
    });

    describe('stats', () => {
      it('counts expired requests', async () => {
        const { request } = await store.create({ email: 'a@example.com', model: 'm1' });
        await mustUpdate(store, request, { state: 'expired', handledState: 'expired' });
        expect((await store.stats()).byState).toMatchObject({ expired: 1, pending: 0 });
      });

      it('counts the requests holding a given-up notification', async () => {
        const a = (await store.create({ email: 'a@example.com', model: 'm1' })).request;
        await store.create({ email: 'b@example.com', model: 'm1' });
        expect((await store.stats()).notificationFailed).toBe(0);
        const failure = {
          kind: 'denial',
          error: '550 no such user',
          at: '2025-02-01T00:00:00.000Z',
        } as const;
        const failed = await mustUpdate(store, a, { state: 'denied', notificationFailure: failure });
        expect((await store.stats()).notificationFailed).toBe(1);
        await mustUpdate(store, failed, { notificationFailure: null });
        expect((await store.stats()).notificationFailed).toBe(0);
      });
    });
  });
}
