import { createHash } from 'node:crypto';
import type { ApprovalChain } from '../approval/approval-types.js';
import type { KeySettings } from '../config/config-schema.js';
import type { LiteLlmClient } from '../litellm/litellm-types.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import {
  approvalMail,
  denialMail,
  type RequesterMailInput,
  reviewNoticeMail,
  revocationMail,
} from '../mail/templates.js';
import { needsWork } from '../requests/duties.js';
import { ACTORS, historyEntry } from '../requests/history.js';
import type { KeyRequest, RequestState } from '../requests/request-types.js';
import { AppError, withContext } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { RequestPatch, RequestStore } from '../store/request-store.js';
import { backoffMs, MAX_BACKOFF_MS } from './backoff.js';

/** Hooks for metrics; every call is cheap and synchronous. */
export interface WorkerObserver {
  decision(plugin: string, decision: string): void;
  mint(outcome: 'success' | 'failure', seconds: number): void;
  mail(kind: string, outcome: 'success' | 'failure', seconds: number): void;
}

export interface ProcessorDeps {
  owner: string;
  store: Pick<RequestStore, 'update' | 'get'>;
  chain: Pick<ApprovalChain, 'evaluate'>;
  litellm: Pick<LiteLlmClient, 'ensureKey' | 'deleteKeys'>;
  mailer: Mailer;
  newKeyValue: () => string;
  /** `key_defaults` merged with the model's own `key` settings. */
  keySettingsFor: (model: string) => KeySettings;
  gatewayUrl: string;
  adminNotify: string[];
  claimTimeoutMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  observer: WorkerObserver;
  now?: () => number;
}

/** What one run did. `retry` means a step failed and the request waits until `retryAt`;
 * `lost` means another worker owns the request now. */
export type Outcome = { status: 'done' | 'lost' } | { status: 'retry'; retryAt: number };

/** Where one step left the request: moved on (`next`), failed (`retry`: the error's `retry`
 * flag chooses the wait) or taken by someone else (`lost`). */
type Step = { kind: 'next'; request: KeyRequest } | { kind: 'retry'; error: AppError } | { kind: 'lost' };

/** Every run of a request needs at most: decide, reserve key, mint, notify. A bound guards against a bug looping forever. */
const MAX_STEPS = 8;

/** Moves one claimed request through its remaining duties, one idempotent step at a time:
 *
 *   pending   -> run the chain, record approved | denied | in-review
 *   approved  -> reserve a key value, mint it on LiteLLM, record it, mail it
 *   denied    -> mail the reason
 *   in-review -> notify the admins
 *   revoked   -> delete the key on LiteLLM, mail the notice
 *
 * Each step's effect is recorded with a compare-and-set before the next one starts, and
 * every effect outside the store is safe to repeat after a crash: the key value is stored
 * before minting (ensureKey re-uses it), and a mail resent after a crash carries the same
 * Message-ID. The request is done when `handledState === state`.
 */
export function createRequestProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? Date.now;
  const { store, logger, observer } = deps;

  const RELEASE: RequestPatch = {
    work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
  };
  /** The last duty of a state is recorded together with the lease release, in one write, so
   * a process dying right after leaves no stale lease on a finished request. */
  const settle = (handled: RequestState): RequestPatch => ({ handledState: handled, ...RELEASE });

  /** Applies `patch` if the request is still ours and still in `expected` state. A conflict
   * caused by someone else's edit (an admin, `kubectl annotate`) is retried on the fresh
   * version; if the state moved on, the patch no longer applies and the fresh record wins. */
  async function commit(request: KeyRequest, patch: RequestPatch): Promise<Step> {
    let current = request;
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await store.update(current.id, current.version, patch);
      if (result.ok) {
        return { kind: 'next', request: result.value };
      }
      if (result.error.code === 'not-found') {
        return { kind: 'lost' };
      }
      const fresh = await store.get(current.id);
      if (!fresh || fresh.work.owner !== deps.owner) {
        return { kind: 'lost' };
      }
      if (fresh.state !== request.state) {
        return { kind: 'next', request: fresh };
      }
      current = fresh;
    }
    return { kind: 'retry', error: new AppError('conflict', 'the request kept changing under the worker') };
  }

  async function mail(
    request: KeyRequest,
    kind: string,
    message: MailMessage,
    handled: RequestState,
    alsoRecord: RequestPatch = {},
  ): Promise<Step> {
    const started = now();
    const sent = await deps.mailer.send(message);
    observer.mail(kind, sent.ok ? 'success' : 'failure', (now() - started) / 1000);
    if (!sent.ok) {
      return { kind: 'retry', error: withContext(sent.error, `${kind} mail not sent`) };
    }
    logger.info({ request_id: request.id, kind }, 'notification sent');
    return commit(request, { ...alsoRecord, ...settle(handled) });
  }

  async function decide(request: KeyRequest): Promise<Step> {
    const outcome = await deps.chain.evaluate({
      requestId: request.id,
      email: request.email,
      model: request.model,
    });
    observer.decision(outcome.plugin ?? 'default', outcome.decision);
    if (outcome.decision === 'PENDING') {
      // No decision yet (the http plugin's endpoint said so): the request stays pending and
      // the chain runs again after the backoff, like after a dependency that did not answer.
      const waiting = `approval pending: ${outcome.reason}`;
      return { kind: 'retry', error: new AppError('unreachable', waiting, { retry: true }) };
    }
    const state =
      outcome.decision === 'APPROVE' ? 'approved' : outcome.decision === 'DENY' ? 'denied' : 'in-review';
    logger.info(
      { request_id: request.id, model: request.model, state, plugin: outcome.plugin },
      'request decided',
    );
    const actor = outcome.plugin === null ? ACTORS.worker : ACTORS.plugin(outcome.plugin);
    return commit(request, {
      state,
      reason: outcome.reason,
      append: [historyEntry('decided', actor, { from: request.state, to: state, reason: outcome.reason })],
    });
  }

  async function mint(request: KeyRequest, key: string): Promise<Step> {
    const started = now();
    const minted = await deps.litellm.ensureKey({
      key,
      models: [request.model],
      userId: request.email,
      keyAlias: `user-${request.email}-${request.model}`,
      metadata: { request_id: request.id, email: request.email },
      settings: deps.keySettingsFor(request.model),
    });
    observer.mint(minted.ok ? 'success' : 'failure', (now() - started) / 1000);
    if (!minted.ok) {
      return { kind: 'retry', error: withContext(minted.error, 'key not minted') };
    }
    logger.info({ request_id: request.id, model: request.model }, 'key minted');
    return commit(request, {
      apiKey: key,
      pendingKey: null,
      keyHash: createHash('sha256').update(key, 'utf8').digest('hex'),
      keyHint: key.slice(-4),
      append: [historyEntry('key-minted', ACTORS.worker, { from: 'approved', to: 'approved' })],
    });
  }

  async function revoke(request: KeyRequest): Promise<Step> {
    // A reserved key may be live too: the mint may have happened before the revocation.
    const keys = [request.apiKey, request.pendingKey].filter((key): key is string => key !== null);
    if (keys.length > 0) {
      const deleted = await deps.litellm.deleteKeys(keys);
      if (!deleted.ok) {
        return { kind: 'retry', error: withContext(deleted.error, 'key not deleted') };
      }
    }
    return mail(
      request,
      'revocation',
      revocationMail({ ...addressed(request), reason: request.reason }),
      'revoked',
      {
        // Deleted on LiteLLM: a re-issue mints a new key rather than mailing this one.
        apiKey: null,
        pendingKey: null,
      },
    );
  }

  function step(request: KeyRequest): Promise<Step> {
    switch (request.state) {
      case 'pending':
        return decide(request);
      case 'approved':
        if (request.apiKey !== null) {
          return mail(
            request,
            'approval',
            approvalMail({
              ...addressed(request),
              apiKey: request.apiKey,
              gatewayUrl: deps.gatewayUrl,
              expiresAt: null,
            }),
            'approved',
          );
        }
        if (request.pendingKey !== null) {
          return mint(request, request.pendingKey);
        }
        // Reserve the key value first: if this process dies after minting, the next attempt mints the same value.
        return commit(request, { pendingKey: deps.newKeyValue() });
      case 'denied':
        return mail(
          request,
          'denial',
          denialMail({ ...addressed(request), reason: request.reason }),
          'denied',
        );
      case 'in-review':
        if (deps.adminNotify.length === 0) {
          return commit(request, settle('in-review'));
        }
        return mail(
          request,
          'review',
          reviewNoticeMail({
            requestId: request.id,
            cycle: 1,
            email: request.email,
            model: request.model,
            reason: request.reason,
            to: deps.adminNotify,
            consoleUrl: null,
          }),
          'in-review',
        );
      case 'revoked':
        return revoke(request);
      case 'expired':
        // The key expired on LiteLLM by itself and the reminder told the requester: nothing to do.
        return commit(request, settle('expired'));
    }
  }

  /** Keeps the lease comfortably ahead of the clock, so a slow step is not taken over mid-way. */
  async function renewIfShort(request: KeyRequest): Promise<Step> {
    const leaseUntil = request.work.leaseUntil ?? 0;
    if (leaseUntil - now() > deps.claimTimeoutMs / 2) {
      return { kind: 'next', request };
    }
    return commit(request, { work: { leaseUntil: now() + deps.claimTimeoutMs } });
  }

  return async function processRequest(claimed: KeyRequest): Promise<Outcome> {
    let request = claimed;
    try {
      for (let steps = 0; steps < MAX_STEPS; steps++) {
        if (!needsWork(request) && request.work.owner === null) {
          return { status: 'done' };
        }
        if (!needsWork(request)) {
          // Releasing can reveal a change made meanwhile (an admin revoked, kubectl relabelled):
          // the lease is still ours then, so carry on with the new state instead of leaving it
          // to wait for the lease to expire.
          const released = await commit(request, steps === 0 ? releaseClaimed(request) : RELEASE);
          if (
            released.kind === 'next' &&
            needsWork(released.request) &&
            released.request.work.owner === deps.owner
          ) {
            request = released.request;
            continue;
          }
          return { status: released.kind === 'lost' ? 'lost' : 'done' };
        }
        const renewed = await renewIfShort(request);
        const result = renewed.kind === 'next' ? await step(renewed.request) : renewed;
        if (result.kind === 'lost') {
          logger.info({ request_id: request.id }, 'request taken over by another worker');
          return { status: 'lost' };
        }
        if (result.kind === 'retry') {
          return { status: 'retry', retryAt: await scheduleRetry(request, result.error) };
        }
        request = result.request;
      }
      // A bug: retried like a dependency failure, so the request is looked at again.
      const looping = new AppError('internal', 'too many steps in one run', { retry: true });
      return { status: 'retry', retryAt: await scheduleRetry(request, looping) };
    } catch (error) {
      // A store failure or a bug: leave the lease to expire so another attempt starts from the recorded state.
      logger.error({ err: error, request_id: request.id }, 'request processing failed');
      return { status: 'retry', retryAt: now() + deps.claimTimeoutMs };
    }
  };

  /** Interim, until this worker does the lifecycle duties (docs/design.md, "Worker duties"):
   * a request claimed although its state's duties are done was claimed for a link mail, an
   * expiry or a reminder. A pending link mail is recorded as sent for its hour without a mail;
   * an issued key's expiry or reminder is put off by `claimTimeout`, so the worker does not
   * claim it again in a tight loop. */
  function releaseClaimed(request: KeyRequest): RequestPatch {
    if (request.linkMail !== null) {
      logger.warn({ request_id: request.id }, 'link mails are not sent by this worker version yet');
      return { ...RELEASE, linkMail: null, lastLinkMailHour: request.linkMail.hour };
    }
    if (request.state === 'approved' && request.expiresAt !== null) {
      logger.warn(
        { request_id: request.id },
        'expiry and reminders are not handled by this worker version yet',
      );
      return { work: { ...RELEASE.work, nextAttemptAt: now() + deps.claimTimeoutMs } };
    }
    return RELEASE;
  }

  /** A retryable failure (a dependency down, slow or busy) is tried again on the exponential
   * schedule. One that trying again soon cannot fix (`retry: false`: a wrong master key, a
   * recipient refused for good) waits the longest backoff instead, so the dependency is not
   * hammered and an operator's fix is still picked up. */
  async function scheduleRetry(request: KeyRequest, failure: AppError): Promise<number> {
    const attempts = request.work.attempts + 1;
    const delay = failure.retry ? backoffMs(attempts) : MAX_BACKOFF_MS;
    const error = failure.message;
    const fields = { request_id: request.id, attempts, retry_in_ms: delay, code: failure.code, error };
    if (failure.retry) {
      logger.warn(fields, 'request will be retried');
    } else {
      logger.error(
        fields,
        'request failed in a way only an operator can fix; trying again after the longest backoff',
      );
    }
    const retryAt = now() + delay;
    await commit(request, {
      work: {
        owner: null,
        leaseUntil: null,
        attempts,
        nextAttemptAt: retryAt,
        lastError: error.slice(0, 500),
      },
    });
    return retryAt;
  }
}

/** Who a requester mail goes to and how it is written. Until requests carry a cycle, a
 * language and a page token, every request is in its first cycle, mails are in English and
 * carry no page link. */
function addressed(request: KeyRequest): RequesterMailInput {
  return {
    requestId: request.id,
    cycle: 1,
    to: request.email,
    model: request.model,
    language: null,
    pageUrl: null,
  };
}
