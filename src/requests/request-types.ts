/** The lifecycle states of a key request. The strings are the public contract:
 * they appear in API responses, in the `request-state` label and `state`
 * annotation of Kubernetes Secrets, and in `kubectl label` commands. */
export const REQUEST_STATES = ['pending', 'approved', 'denied', 'in-review', 'revoked', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export function isRequestState(value: unknown): value is RequestState {
  return typeof value === 'string' && (REQUEST_STATES as readonly string[]).includes(value);
}

/** The languages requester mails are written in; a request without one gets English. */
export const LANGUAGES = ['en', 'de', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** What an audit entry records (docs/design.md, "Audit trail"). */
export const HISTORY_ACTIONS = [
  'created',
  'decided',
  'approved',
  'denied',
  'revoked',
  'expired',
  'renewal-requested',
  'reissued',
  'parked',
  'requeued',
  'key-minted',
  'key-extended',
  'key-adopted',
  'key-replaced',
  'key-deleted',
  'mail-delivered',
  'mail-failed',
  'mail-resent',
  'external-change',
] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/** One audit entry, appended by the store in the same conditional write as the change it
 * records. `from`/`to` are the states of a state change; entries that record a completed duty
 * (a key minted, a mail delivered) carry the state they happened in as both, or null. */
export interface HistoryEntry {
  /** ISO-8601 UTC: the time of the write that appended it. */
  at: string;
  /** `plugin:<name>`, `admin:<user>`, `mcp:<user>`, `cli:<os user>`, `worker`, `requester`, `external` (requests/history.ts). */
  actor: string;
  action: HistoryAction;
  from: RequestState | null;
  to: RequestState | null;
  reason: string | null;
}

/** The notifications the worker sends; the kind of a failed one says which duty to redo on resend. */
export const NOTIFICATION_KINDS = ['approval', 'denial', 'review', 'revocation', 'reminder', 'link'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** A notification given up after its bounded tries (a permanent refusal); admins see it and may resend. */
export interface NotificationFailure {
  kind: NotificationKind;
  /** One line, redacted: never a key or a password. */
  error: string;
  /** ISO-8601 UTC. */
  at: string;
}

/** Bookkeeping of the approval worker: who holds the request and when to retry. */
export interface WorkLease {
  /** Worker instance that claimed the request; null when nobody holds it. */
  owner: string | null;
  /** Epoch ms after which a claim is considered abandoned (its process died). */
  leaseUntil: number | null;
  /** Consecutive failed attempts, drives the backoff. */
  attempts: number;
  /** Epoch ms before which the worker must not retry. */
  nextAttemptAt: number;
  /** Last retryable failure, for operators; never contains a secret. */
  lastError: string | null;
}

export interface KeyRequest {
  id: string;
  /** The canonical address (requests/email.ts): what dedup, ids, labels, limits and LiteLLM's
   * `user_id`/`key_alias` use. */
  email: string;
  /** The address as the requester typed it (trimmed, case kept): every requester mail goes
   * here. Null on records written before it existed: use `email` (recipientOf in email.ts). */
  notifyEmail: string | null;
  /** The language the request was made in; null = English. */
  language: Language | null;
  model: string;
  state: RequestState;
  reason: string | null;
  /** 1 for a new request, +1 each time it starts over (renewal, re-issue). Message-IDs carry it. */
  cycle: number;
  /** Audit trail, oldest first (the Kubernetes store keeps the newest 100). */
  history: HistoryEntry[];
  /** ISO-8601 UTC expiry of the live key; null = never expires (or no key yet). */
  expiresAt: string | null;
  /** sha256 hex of the live key (LiteLLM's `token`): what revoke, extend and look-ups use. */
  keyHash: string | null;
  /** The key's last four characters, for the masked view `sk-…abcd`. */
  keyHint: string | null;
  /** The plain key: kept only until the approval mail of its cycle is delivered (so a failed
   * mail can be re-sent), then null unless `retain_api_keys`. Never returned in full by any API. */
  apiKey: string | null;
  /** Key value reserved before minting, so a retry after a crash re-uses it
   * instead of minting a second key (see the approved step in worker/request-processor.ts). */
  pendingKey: string | null;
  /** The state whose worker duties (key, notification) are complete.
   * Invariant: the state's duties are owed exactly when `handledState !== state` (request-rules.ts). */
  handledState: RequestState | null;
  /** The cycle whose expiry reminder was delivered (0 = none). */
  remindedCycle: number;
  /** A notification given up after bounded tries; null when none. */
  notificationFailure: NotificationFailure | null;
  /** A "here is the link to your request" mail waiting to be sent: the epoch hour
   * (floor(ms / 3600000)) it was asked for, which is part of its Message-ID; null when none. */
  linkMail: { hour: number } | null;
  /** The epoch hour of the last link mail sent, so at most one goes out per hour; null = never. */
  lastLinkMailHour: number | null;
  createdAt: string;
  updatedAt: string;
  work: WorkLease;
  /** Opaque compare-and-set token (SQLite row version, Kubernetes resourceVersion). */
  version: string;
}

/** The language of a request from what a client sent (`de`, `de-AT`, `ES`): its primary
 * subtag when it is one of ours, else null (English). */
export function toLanguage(raw: string | undefined): Language | null {
  const primary = raw?.trim().toLowerCase().split(/[-_]/)[0];
  return isLanguage(primary) ? primary : null;
}
