import { expect } from 'vitest';
import type { ChainOutcome } from '../../src/approval/approval-types.js';
import type { EnsuredKey, GenerateKeyRequest, KeyRecord } from '../../src/litellm/litellm-types.js';
import type { MailMessage } from '../../src/mail/mailer.js';
import type { KeyRequest } from '../../src/requests/request-types.js';
import { ok, type Result } from '../../src/shared/result.js';
import type { NewRequest, RequestStore } from '../../src/store/request-store.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import {
  createRequestProcessor,
  type Outcome,
  type ProcessorDeps,
} from '../../src/worker/request-processor.js';
import { recordingLogger } from './recording-logger.js';

/** The request processor's own logic on the real SQLite store (in memory), its ports to the
 * outside (approval chain, LiteLLM, mail) scripted and recorded, its clock in the test's hands. */

export const OWNER = 'worker-under-test';
export const CLAIM_MS = 60_000;

/** How the scripted ports answer; each defaults to success. */
export interface Ports {
  decide?: () => Promise<ChainOutcome>;
  mint?: () => Result<EnsuredKey>;
  extend?: (keyOrHash: string) => Result<KeyRecord | null>;
  /** May be async, to change the request while the mail is on the wire. */
  send?: (message: MailMessage) => Result<void> | Promise<Result<void>>;
  store?: ProcessorDeps['store'];
  /** The requester's page link every requester mail carries; may move the clock (a slow build). */
  pageUrl?: (requestId: string) => Promise<string>;
  retainApiKeys?: boolean;
  remindBeforeMs?: number;
  /** The model's key `duration`; none by default. */
  duration?: string;
  adminNotify?: string[];
}

export interface ProcessorKit {
  store: RequestStore;
  log: ReturnType<typeof recordingLogger>;
  /** The processor's clock: fixed, so times can be asserted exactly; tests move it. */
  clock: number;
  minted: GenerateKeyRequest[];
  /** `neverSent` of each ensureKey call, in order: whether the look-up before generating was skipped. */
  mintedNeverSent: boolean[];
  extended: [string, string][];
  deleted: string[][];
  mailed: MailMessage[];
  /** The bound the processor gave each send, in order (what was left of its lease). */
  sendTimeouts: (number | undefined)[];
  /** Kinds of the notifications given up (the observer's `notificationFailed`). */
  givenUp: string[];
  processor(ports?: Ports): (request: KeyRequest) => Promise<Outcome>;
  /** Every request due at `at`, claimed by this worker. */
  claimAll(at?: number, remindBeforeMs?: number): Promise<KeyRequest[]>;
  /** The one request due now, claimed (after a retry, a change, or its creation). */
  claimedAgain(remindBeforeMs?: number): Promise<KeyRequest>;
  /** A new request, claimed by this worker the way the worker loop claims it. */
  claimed(email?: string, input?: Partial<NewRequest>): Promise<KeyRequest>;
  stored(id: string): Promise<KeyRequest>;
  close(): Promise<void>;
}

export function processorKit(): ProcessorKit {
  const kit: ProcessorKit = {
    store: createSqliteStore({ path: ':memory:' }),
    log: recordingLogger(),
    clock: Date.now(),
    minted: [],
    mintedNeverSent: [],
    extended: [],
    deleted: [],
    mailed: [],
    sendTimeouts: [],
    givenUp: [],

    processor(ports = {}) {
      return createRequestProcessor({
        owner: OWNER,
        store: ports.store ?? kit.store,
        chain: {
          evaluate:
            ports.decide ?? (async () => ({ decision: 'APPROVE', reason: 'Approved', plugin: 'whitelist' })),
        },
        litellm: {
          async ensureKey(request, options) {
            kit.minted.push(request);
            kit.mintedNeverSent.push(options?.neverSent === true);
            return ports.mint
              ? ports.mint()
              : ok({ outcome: 'minted', keyHash: 'a'.repeat(64), expires: null });
          },
          async extendKey(keyOrHash, duration) {
            kit.extended.push([keyOrHash, duration]);
            return ports.extend ? ports.extend(keyOrHash) : ok(null);
          },
          async deleteKeys(keys) {
            kit.deleted.push(keys);
            return ok(undefined);
          },
        },
        mailer: {
          async send(message, timeoutMs) {
            kit.mailed.push(message);
            kit.sendTimeouts.push(timeoutMs);
            return ports.send ? ports.send(message) : ok(undefined);
          },
          async close() {},
        },
        newKeyValue: () => `sk-reserved-${kit.minted.length}`,
        keySettingsFor: () => (ports.duration === undefined ? {} : { duration: ports.duration }),
        gatewayUrl: 'https://llm.example.com',
        adminNotify: ports.adminNotify ?? [],
        links: {
          pageUrl: ports.pageUrl ?? (async (id) => `https://portal.example.com/requests/${id}?token=t0k3n`),
          consoleUrl: (id) => `https://portal.example.com/admin/requests/${id}`,
        },
        policy: { remindBeforeMs: ports.remindBeforeMs ?? 0 },
        retainApiKeys: ports.retainApiKeys ?? false,
        claimTimeoutMs: CLAIM_MS,
        logger: kit.log.logger,
        observer: {
          decision() {},
          mint() {},
          mail() {},
          notificationFailed(kind) {
            kit.givenUp.push(kind);
          },
        },
        now: () => kit.clock,
      });
    },

    claimAll(at = kit.clock, remindBeforeMs = 0) {
      return kit.store.claimDue({
        policy: { remindBeforeMs },
        owner: OWNER,
        now: at,
        leaseMs: CLAIM_MS,
        limit: 10,
      });
    },

    async claimedAgain(remindBeforeMs = 0) {
      const leases = await kit.claimAll(kit.clock, remindBeforeMs);
      expect(leases).toHaveLength(1);
      return leases[0] as KeyRequest;
    },

    async claimed(email = 'alice@example.com', input = {}) {
      const { request } = await kit.store.create({ email, model: 'gpt-4o', ...input });
      const lease = await kit.claimedAgain();
      expect(lease.id).toBe(request.id);
      return lease;
    },

    async stored(id) {
      const request = await kit.store.get(id);
      if (!request) {
        throw new Error(`request ${id} is gone`);
      }
      return request;
    },

    close: () => kit.store.close(),
  };
  return kit;
}
