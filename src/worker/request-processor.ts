import type { ApprovalChain } from '../approval/approval-types.js';
import type { KeySettings } from '../config/config-schema.js';
import type { LiteLlmClient } from '../litellm/litellm-types.js';
import type { Mailer } from '../mail/mailer.js';
import { decisionPatch, isChainDecision } from '../requests/decision.js';
import { type Duty, type DutyPolicy, owedDuties } from '../requests/duties.js';
import { ACTORS, historyEntry } from '../requests/history.js';
import { applyPatch } from '../requests/request-rules.js';
import type { KeyRequest } from '../requests/request-types.js';
import { AppError, withContext } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { ok, type Result } from '../shared/result.js';
import type { RequestPatch, RequestStore } from '../store/request-store.js';
import { backoffMs, MAX_BACKOFF_MS } from './backoff.js';
import { type KeyIssue, keyDeletionOwed, keyIssuedForApproval, keyIssueIn } from './key-history.js';
import { createKeySteps } from './key-steps.js';
import { createNotifications, type MailLinks, type Notification } from './notifications.js';
import { landed, untilAnswered } from './store-outages.js';

/** Hooks for metrics; every call is cheap and synchronous. */
export interface WorkerObserver {
  decision(plugin: string, decision: string): void;
  mint(outcome: 'success' | 'failure', seconds: number): void;
  mail(kind: string, outcome: 'success' | 'failure', seconds: number): void;
  /** A notification given up after its bounded tries (a permanent refusal). */
  notificationFailed(kind: string): void;
}

export interface ProcessorDeps {
  owner: string;
  store: Pick<RequestStore, 'update' | 'get'>;
  chain: Pick<ApprovalChain, 'evaluate'>;
  litellm: Pick<LiteLlmClient, 'ensureKey' | 'extendKey' | 'deleteKeys'>;
  mailer: Mailer;
  newKeyValue: () => string;
  /** `key_defaults` merged with the model's own `key` settings. */
  keySettingsFor: (model: string) => KeySettings;
  gatewayUrl: string;
  adminNotify: string[];
  /** The requester's page and the admin console, as mails link them. */
  links: MailLinks;
  /** Which clock-driven duties are owed (reminders); the worker claims with the same policy. */
  policy: DutyPolicy;
  /** `retain_api_keys`: keep the plain key after its approval mail. */
  retainApiKeys: boolean;
  claimTimeoutMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  observer: WorkerObserver;
  now?: () => number;
}

/** What one run did. `retry` means a step failed and the request waits until `retryAt`;
 * `lost` means another worker owns the request now. */
export type Outcome = { status: 'done' | 'lost' } | { status: 'retry'; retryAt: number };

/** Where one step left the request: moved on (`next`), failed (`retry`: the error's `retry`
 * flag chooses the wait, unless `soon` asks for the exponential one; `request` is the version the
 * step wrote before failing, if it wrote) or taken by someone else (`lost`). */
type Step =
  | { kind: 'next'; request: KeyRequest }
  | { kind: 'retry'; error: AppError; soon?: boolean; request?: KeyRequest }
  | { kind: 'lost' };

/** What one run of a request knows besides the store: the key value it reserved itself. That
 * value has not been sent to LiteLLM by anyone yet, so minting it skips the look-up for an
 * earlier attempt's key (EnsureKeyOptions); a later run does not know it and looks. */
interface Run {
  reserved: string | null;
}

/** Notes a reservation the patch makes; the patch is returned unchanged. */
function noteReservation<P extends RequestPatch>(run: Run, patch: P): P {
  if (typeof patch.pendingKey === 'string') {
    run.reserved = patch.pendingKey;
  }
  return patch;
}

/** Every run of a request needs at most: decide, delete a revoked key, reserve, mint (or
 * extend), notify, a link mail, a reminder or the expiry, and the release. A bound guards
 * against a bug looping forever. */
const MAX_STEPS = 12;

/** How often a notification the mail server refuses for good (a 5xx about the message or its
 * recipient) is tried before it is given up and shown to the admins (docs/design.md, "Worker"). */
export const MAIL_TRIES = 5;

/** Moves one claimed request through its owed duties (requests/duties.ts), one idempotent step
 * at a time:
 *
 *   pending   -> run the chain, record approved | denied | in-review
 *   approved  -> extend the request's earlier key, or reserve a key value and mint it; mail it
 *                (or "extended"); record both in one write, dropping the plain key unless
 *                retained (the key on its own first if the mail fails)
 *   denied    -> delete the key first if the request came from approved; mail the reason
 *   in-review -> notify the admins
 *   revoked   -> delete the key on LiteLLM, mail the notice
 *   expired   -> nothing
 *   and, by the clock or on request: a link mail, the expiry reminder, the expiry itself.
 *
 * Each step's effect is recorded with a compare-and-set, its history entry in the same write,
 * before the next one starts (a key just issued is recorded with its approval mail), and every
 * effect outside the store is safe to repeat after a crash: the key value is stored before
 * minting (ensureKey re-uses it), extending and deleting twice changes nothing, and a mail
 * resent after a crash carries the same Message-ID. What is
 * done for the current state is read from the history (key-history.ts).
 */
export function createRequestProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? Date.now;
  const { store, logger, observer } = deps;
  const keys = createKeySteps({
    litellm: deps.litellm,
    newKeyValue: deps.newKeyValue,
    keySettingsFor: deps.keySettingsFor,
    logger,
    observeMint: (outcome, seconds) => observer.mint(outcome, seconds),
    now,
  });
  const notifications = createNotifications({
    links: deps.links,
    gatewayUrl: deps.gatewayUrl,
    adminNotify: deps.adminNotify,
    retainApiKeys: deps.retainApiKeys,
  });

  const RELEASE: RequestPatch = {
    work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
  };

  /** A step that succeeded: the failures before it no longer count, and when nothing is owed
   * after it the lease is released in the same write, so a process dying right after leaves
   * no stale lease on a finished request. */
  function completed(request: KeyRequest, patch: RequestPatch): RequestPatch {
    const after = applyPatch(request, patch, new Date(now()).toISOString());
    const finished = owedDuties(after, now(), deps.policy).length === 0;
    return { ...patch, work: finished ? RELEASE.work : { attempts: 0, lastError: null } };
  }

  /** Applies `patch` if the request is still ours and still in the state and cycle it was
   * planned for. A conflict caused by someone else's edit (an admin, `kubectl annotate`) is
   * retried on the fresh version; if the state or the cycle moved on, the patch no longer
   * applies and the fresh record wins. A store that does not answer is asked again a few times
   * (store-outages.ts): a write that got no answer may have landed, and then the
   * conflict that follows is our own write, not applied twice. `stillDue` says what must be
   * written all the same when the state or cycle moved on: what a step already did outside the
   * store (a mail that went out) is recorded whatever the state is by now. */
  async function commit(
    request: KeyRequest,
    patch: RequestPatch,
    stillDue?: (fresh: KeyRequest) => RequestPatch | null,
  ): Promise<Step> {
    let current = request;
    let pending = patch;
    // Until the state or cycle moves, `pending` is the step's patch, which only applies to them.
    let planned = true;
    let unanswered = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const written = await untilAnswered(() => store.update(current.id, current.version, pending));
      unanswered ||= written.outages > 0;
      const result = written.value;
      if (result.ok) {
        return { kind: 'next', request: result.value };
      }
      if (result.error.code === 'not-found') {
        return { kind: 'lost' };
      }
      const { value: fresh } = await untilAnswered(() => store.get(current.id));
      if (fresh && unanswered && landed(fresh, pending)) {
        return { kind: 'next', request: fresh };
      }
      if (!fresh || fresh.work.owner !== deps.owner) {
        return { kind: 'lost' };
      }
      if (planned && (fresh.state !== request.state || fresh.cycle !== request.cycle)) {
        const rest = stillDue?.(fresh) ?? null;
        if (rest === null) {
          return { kind: 'next', request: fresh };
        }
        pending = rest;
        planned = false;
      }
      current = fresh;
    }
    return { kind: 'retry', error: new AppError('conflict', 'the request kept changing under the worker') };
  }

  /** The approval mail of the key `issued` has just recorded in memory, sent and recorded with
   * it (notify's `keyIssued`). */
  async function mailIssuedKey(claimed: KeyRequest, issued: RequestPatch, issue: KeyIssue): Promise<Step> {
    // The mint may have taken most of the lease (LiteLLM slow to answer): renewed before the
    // mail, as before any step, or another worker could take the request over while the mail is
    // on its way and send it again (docs/design.md, "Claiming: leases").
    const renewed = await renewIfShort(claimed);
    if (renewed.kind !== 'next') {
      return renewed;
    }
    const request = renewed.request;
    const withKey: KeyRequest = {
      ...applyPatch(request, issued, new Date(now()).toISOString()),
      version: request.version,
    };
    const approval = await notifications.approval(withKey, issue);
    return approval.ok ? notify(request, approval.value, issued) : recordKeyStep(request, ok(issued));
  }

  /** Records a key step's result (a LiteLLM call already made), or schedules its retry. */
  function recordKeyStep(request: KeyRequest, result: Result<RequestPatch>): Promise<Step> | Step {
    return result.ok
      ? commit(request, completed(request, result.value))
      : { kind: 'retry', error: result.error };
  }

  /** Sends a notification and records its duty as done. A refusal the server may lift (4xx, a
   * dropped connection) is retried on the backoff schedule for as long as it takes; a permanent
   * one (`retry: false`, e.g. 550 for the recipient) is tried MAIL_TRIES times on the same
   * schedule, then given up: the duty counts as done, `notificationFailure` shows admins what
   * failed, and an admin's resend makes it due again.
   *
   * `keyIssued`: the approval mail of a key this run has just minted or extended, whose record
   * (key-steps.ts) is not written yet. It is written with the mail's, one write instead of two
   * (docs/design.md, "Processing"); if the mail fails, it is written on its own first, and the
   * mail's tries count from there. */
  async function notify(
    request: KeyRequest,
    notification: Notification,
    keyIssued?: RequestPatch,
  ): Promise<Step> {
    const { kind } = notification;
    const started = now();
    const sent = await holdingLease(request, deps.mailer.send(notification.message));
    observer.mail(kind, sent.ok ? 'success' : 'failure', (now() - started) / 1000);
    const entry = (action: 'mail-delivered' | 'mail-failed', reason: string) =>
      historyEntry(action, ACTORS.worker, { from: request.state, to: request.state, reason });
    if (sent.ok) {
      logger.info({ request_id: request.id, kind }, 'notification sent');
      const delivered = entry('mail-delivered', `${kind} mail`);
      const done = { ...notification.done, ...notification.delivered };
      return commit(
        request,
        completed(
          request,
          keyIssued === undefined
            ? { ...done, append: [delivered] }
            : { ...keyIssued, ...done, append: [...(keyIssued.append ?? []), delivered] },
        ),
        // The mail is out: recorded in any state, so that a link mail or reminder is not sent twice.
        // A key issued meanwhile is not: the reserved value the record still holds names it for
        // the new state's duties (a revocation deletes it).
        (fresh) => ({ ...notification.afterMove(fresh), append: [delivered] }),
      );
    }
    const error = withContext(sent.error, `${kind} mail not sent`);
    if (keyIssued !== undefined) {
      const recorded = await commit(request, completed(request, keyIssued));
      if (
        recorded.kind !== 'next' ||
        recorded.request.state !== request.state ||
        recorded.request.cycle !== request.cycle
      ) {
        // Taken over, or the request moved on: the approval mail is no longer this run's duty.
        return recorded;
      }
      // The key's record reset the attempts: this was the mail's first try, retried like any.
      return { kind: 'retry', error, soon: true, request: recorded.request };
    }
    if (sent.error.retry) {
      return { kind: 'retry', error };
    }
    const tries = request.work.attempts + 1;
    if (tries < MAIL_TRIES) {
      return { kind: 'retry', error, soon: true };
    }
    logger.error(
      { request_id: request.id, kind, tries, error: error.message },
      'notification given up after a permanent refusal; an admin can re-send it',
    );
    observer.notificationFailed(kind);
    const failure = { kind, error: error.message.slice(0, 500), at: new Date(now()).toISOString() };
    const failed = entry('mail-failed', `${kind} mail refused ${tries} times`);
    return commit(
      request,
      completed(request, { ...notification.done, notificationFailure: failure, append: [failed] }),
      // A state's own mail no longer matters in another state; a link mail or reminder still does.
      (fresh) => {
        const rest = notification.afterMove(fresh);
        return Object.keys(rest).length === 0
          ? null
          : { ...rest, notificationFailure: failure, append: [failed] };
      },
    );
  }

  /** Runs the chain and records its decision. An approval of a request that holds no key
   * reserves the key value in the same write, which is what the next step would otherwise commit
   * on its own before minting (docs/design.md, "Guarantees": the reserved key). */
  async function decide(request: KeyRequest, run: Run): Promise<Step> {
    const outcome = await deps.chain.evaluate({
      requestId: request.id,
      email: request.email,
      model: request.model,
    });
    observer.decision(outcome.plugin ?? 'default', outcome.decision);
    if (!isChainDecision(outcome)) {
      // No decision yet (the http plugin's endpoint said so): the request stays pending and
      // the chain runs again after the backoff, like after a dependency that did not answer.
      const waiting = `approval pending: ${outcome.reason}`;
      return { kind: 'retry', error: new AppError('unreachable', waiting, { retry: true }) };
    }
    const decision = decisionPatch(request.state, outcome, {
      reservation: () => noteReservation(run, keys.reservation(request)),
      reviewNoticeOwed: deps.adminNotify.length > 0,
    });
    logger.info(
      { request_id: request.id, model: request.model, state: decision.state, plugin: outcome.plugin },
      'request decided',
    );
    // A decision that leaves nothing owed (parked in review with nobody to notify) releases the
    // lease in the same write instead of one more write of its own.
    return commit(request, decision.handledState === undefined ? decision : completed(request, decision));
  }

  /** The current state's duties, one step. A key that must go (revoked, or moved from approved
   * to denied) is deleted before anything else, whatever the state is by now. */
  async function stateStep(request: KeyRequest, run: Run): Promise<Step> {
    if (keyDeletionOwed(request)) {
      return recordKeyStep(request, await keys.remove(request));
    }
    switch (request.state) {
      case 'pending':
        return decide(request, run);
      case 'approved': {
        const issued = keyIssuedForApproval(request);
        if (issued === null) {
          const result = await keys.issue(request, run.reserved);
          if (!result.ok) {
            return { kind: 'retry', error: result.error };
          }
          const patch = noteReservation(run, result.value);
          const issue = keyIssueIn(patch);
          // A reservation is committed before minting; a key minted or extended goes out first.
          return issue === null ? recordKeyStep(request, result) : mailIssuedKey(request, patch, issue);
        }
        const approval = await notifications.approval(request, issued);
        return approval.ok ? notify(request, approval.value) : { kind: 'retry', error: approval.error };
      }
      case 'denied':
        return notify(request, await notifications.denial(request));
      case 'in-review': {
        const notice = notifications.review(request);
        return notice === null
          ? commit(request, completed(request, { handledState: 'in-review' }))
          : notify(request, notice);
      }
      case 'revoked':
        return notify(request, await notifications.revocation(request));
      case 'expired':
        // The key expired on LiteLLM by itself and the reminder told the requester: nothing to do.
        return commit(request, completed(request, { handledState: 'expired' }));
    }
  }

  /** The issued key's expiry has passed: the request is `expired`, its duties done (no mail).
   * A plain key still kept (its approval mail was given up) can no longer be sent: it goes. */
  function expire(request: KeyRequest): Promise<Step> {
    return commit(
      request,
      completed(request, {
        state: 'expired',
        handledState: 'expired',
        ...(deps.retainApiKeys || request.apiKey === null ? {} : { apiKey: null }),
        append: [
          historyEntry('expired', ACTORS.worker, {
            from: request.state,
            to: 'expired',
            reason: `the key expired at ${request.expiresAt}`,
          }),
        ],
      }),
    );
  }

  async function step(request: KeyRequest, duty: Duty, run: Run): Promise<Step> {
    switch (duty) {
      case 'state':
        return stateStep(request, run);
      case 'link-mail':
        return notify(request, await notifications.link(request));
      case 'remind':
        return notify(request, await notifications.reminder(request));
      case 'expire':
        return expire(request);
    }
  }

  /** Waits for `work` (a mail on its way) while renewing the lease every third of the claim
   * timeout, so no other worker takes the request over and sends the same mail meanwhile; the
   * work itself is never cut short (a send abandoned after the server took the message would
   * deliver a copy nobody recorded). Nearly every send ends before the first renewal. A renewal
   * that finds the request taken over (or the store down) stops renewing; the step's own write
   * afterwards finds out what happened. */
  async function holdingLease<T>(request: KeyRequest, work: Promise<T>): Promise<T> {
    const done = work.then(() => 'done' as const);
    let current: KeyRequest | null = request;
    let timer: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const tick = new Promise<'renew'>((resolve) => {
          timer = setTimeout(() => resolve('renew'), deps.claimTimeoutMs / 3);
        });
        if ((await Promise.race([done, tick])) === 'done') {
          return work;
        }
        if (current !== null) {
          const lease: RequestPatch = { work: { leaseUntil: now() + deps.claimTimeoutMs } };
          // Renewed whatever the state is by now: the mail is on its way either way.
          const renewed: Step | null = await commit(current, lease, () => lease).catch(() => null);
          current = renewed?.kind === 'next' ? renewed.request : null;
        }
      }
    } finally {
      clearTimeout(timer);
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
    const run: Run = { reserved: null };
    try {
      for (let steps = 0; steps < MAX_STEPS; steps++) {
        if (request.work.owner !== deps.owner) {
          // Our last write released the lease: everything owed was done.
          return { status: 'done' };
        }
        const renewed = await renewIfShort(request);
        if (renewed.kind !== 'next') {
          return finish(request, renewed);
        }
        request = renewed.request;
        const [duty] = owedDuties(request, now(), deps.policy);
        // Nothing (more) owed: release. Releasing can reveal a change made meanwhile (an admin
        // revoked, kubectl relabelled): the lease is still ours then, and the loop carries on
        // with the new state instead of leaving it to wait for the lease to expire.
        const result = duty === undefined ? await commit(request, RELEASE) : await step(request, duty, run);
        if (result.kind !== 'next') {
          return finish(request, result);
        }
        request = result.request;
      }
      // A bug: retried like a dependency failure, so the request is looked at again.
      const looping = new AppError('internal', 'too many steps in one run', { retry: true });
      return { status: 'retry', retryAt: await scheduleRetry(request, looping, true) };
    } catch (error) {
      // A store failure or a bug: leave the lease to expire so another attempt starts from the recorded state.
      logger.error({ err: error, request_id: request.id }, 'request processing failed');
      return { status: 'retry', retryAt: now() + deps.claimTimeoutMs };
    }
  };

  async function finish(request: KeyRequest, result: Exclude<Step, { kind: 'next' }>): Promise<Outcome> {
    if (result.kind === 'lost') {
      logger.info({ request_id: request.id }, 'request taken over by another worker');
      return { status: 'lost' };
    }
    return {
      status: 'retry',
      retryAt: await scheduleRetry(
        result.request ?? request,
        result.error,
        result.soon ?? result.error.retry,
      ),
    };
  }

  /** A retryable failure (a dependency down, slow or busy) is tried again on the exponential
   * schedule, and so is a refused notification during its bounded tries (`soon`). Any other
   * failure that trying again soon cannot fix (`retry: false`: a wrong master key) waits the
   * longest backoff instead, so the dependency is not hammered and an operator's fix is still
   * picked up. */
  async function scheduleRetry(request: KeyRequest, failure: AppError, soon: boolean): Promise<number> {
    const attempts = request.work.attempts + 1;
    const delay = soon ? backoffMs(attempts) : MAX_BACKOFF_MS;
    const error = failure.message;
    const fields = { request_id: request.id, attempts, retry_in_ms: delay, code: failure.code, error };
    if (failure.retry) {
      logger.warn(fields, 'request will be retried');
    } else if (soon) {
      logger.warn(
        { ...fields, tries_left: MAIL_TRIES - attempts },
        'notification refused for good; trying a bounded number of times',
      );
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
