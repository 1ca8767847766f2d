import { fail, ok, type Result } from '../shared/result.js';
import type { RequestPatch } from '../store/request-store.js';
import type { KeyRequest, NotificationKind } from './request-types.js';

/** What the worker owes a request, and from when (docs/design.md, "Worker duties"). Both stores
 * find due requests with these rules: the Kubernetes store calls `isDue`, the SQLite store
 * mirrors it in its claim statement so indexes can serve it (sqlite-store.ts); the store
 * contract checks that both agree. */

/** The part of the lifecycle configuration the due rules need. */
export interface DutyPolicy {
  /** `lifecycle.remind_before` in ms; 0 = no reminders. */
  remindBeforeMs: number;
}

/** - `state`: the current state's duties (chain, key, notification, deletion);
 * - `link-mail`: the "here is your request's page" mail a duplicate POST asked for;
 * - `expire`: an issued key's expiry has passed, the request becomes `expired`;
 * - `remind`: the expiry is within `remind_before` and this cycle was not reminded yet. */
export type Duty = 'state' | 'link-mail' | 'expire' | 'remind';

type DutyFields = Pick<
  KeyRequest,
  'state' | 'handledState' | 'linkMail' | 'expiresAt' | 'cycle' | 'remindedCycle' | 'work'
>;

/** The current state's duties are owed exactly when its state is not the one whose duties are done. */
export function needsWork(request: Pick<KeyRequest, 'state' | 'handledState'>): boolean {
  return request.state !== request.handledState;
}

/** Only an approved request whose key is issued for this cycle (its approved duties done)
 * expires or is reminded; during a renewal the old `expiresAt` belongs to the previous cycle. */
function issuedExpiry(request: DutyFields): number | null {
  if (request.state !== 'approved' || request.handledState !== 'approved' || request.expiresAt === null) {
    return null;
  }
  return Date.parse(request.expiresAt);
}

/** Epoch ms from which the expiry reminder of this cycle is owed; null when none will be. */
export function reminderDueAt(request: DutyFields, policy: DutyPolicy): number | null {
  const expiry = issuedExpiry(request);
  if (expiry === null || policy.remindBeforeMs <= 0 || request.remindedCycle >= request.cycle) {
    return null;
  }
  return expiry - policy.remindBeforeMs;
}

/** The duties owed at `now`, in the order the worker does them; lease and backoff aside.
 * A passed expiry replaces the reminder: an expired key needs no "expires soon" mail. */
export function owedDuties(request: DutyFields, now: number, policy: DutyPolicy): Duty[] {
  const duties: Duty[] = [];
  if (needsWork(request)) {
    duties.push('state');
  }
  if (request.linkMail !== null) {
    duties.push('link-mail');
  }
  const expiry = issuedExpiry(request);
  if (expiry !== null && expiry <= now) {
    duties.push('expire');
  } else {
    const remindAt = reminderDueAt(request, policy);
    if (remindAt !== null && remindAt <= now) {
      duties.push('remind');
    }
  }
  return duties;
}

/** When the worker should next take the request (epoch ms), lease aside: at once for owed
 * state duties and link mails, at the reminder or expiry time otherwise, never before the
 * retry time a failure set (`work.nextAttemptAt`). Null when nothing will come due by itself. */
export function nextDueAt(request: DutyFields, policy: DutyPolicy): number | null {
  let at: number | null;
  if (needsWork(request) || request.linkMail !== null) {
    at = 0;
  } else {
    const times = [issuedExpiry(request), reminderDueAt(request, policy)].filter(
      (time): time is number => time !== null,
    );
    at = times.length === 0 ? null : Math.min(...times);
  }
  return at === null ? null : Math.max(at, request.work.nextAttemptAt);
}

/** The worker may claim it at `at`: something is due, and nobody holds a lease on it that is
 * still running (a lease past its end was abandoned). */
export function isDue(request: DutyFields, at: number, policy: DutyPolicy): boolean {
  const due = nextDueAt(request, policy);
  return due !== null && due <= at && (request.work.leaseUntil === null || request.work.leaseUntil <= at);
}

/** The mail that ends each state's duties, where there is one. */
export const STATE_NOTIFICATION: Partial<Record<KeyRequest['state'], NotificationKind>> = {
  approved: 'approval',
  denied: 'denial',
  'in-review': 'review',
  revoked: 'revocation',
};

/** The patch that makes the duty of a given-up notification due again (an admin's resend), or
 * why it cannot be: the request has moved on and that mail is no longer what it owes. The
 * caller clears `notificationFailure` and the backoff in the same write. */
export function redoNotification(
  request: Pick<KeyRequest, 'state' | 'cycle'>,
  kind: NotificationKind,
  now: number,
): Result<RequestPatch, string> {
  switch (kind) {
    case 'reminder':
      return request.state === 'approved'
        ? ok({ remindedCycle: request.cycle - 1 })
        : fail(`the request is ${request.state} now; a reminder is only sent while it is approved`);
    case 'link':
      return ok({ linkMail: { hour: epochHour(now) } });
    default:
      return STATE_NOTIFICATION[request.state] === kind
        ? ok({ handledState: null })
        : fail(`the request is ${request.state} now; its ${kind} mail is no longer due`);
  }
}

/** Hours since the epoch: the unit of the link-mail limit and part of a link mail's Message-ID. */
export function epochHour(ms: number): number {
  return Math.floor(ms / 3_600_000);
}
