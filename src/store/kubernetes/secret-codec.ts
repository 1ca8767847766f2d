import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { foldEmail } from '../../requests/email.js';
import { newestEntries } from '../../requests/history.js';
import type { StoredRequest } from '../../requests/request-rules.js';
import {
  HISTORY_ACTIONS,
  type HistoryEntry,
  isLanguage,
  isRequestState,
  type KeyRequest,
  NOTIFICATION_KINDS,
  type NotificationFailure,
  type RequestState,
} from '../../requests/request-types.js';
import { AppError } from '../../shared/errors.js';
import { fail, ok, type Result } from '../../shared/result.js';

/** The Secret layout of docs/design.md ("Kubernetes Secret layout"). Names are a public contract:
 * the old Python service, operators' kubectl commands and dashboards rely on them. */

export const SECRET_NAME_PREFIX = 'llm-key-request-';
export const APP_NAME = 'llm-key-requestor';
export const COMPONENT = 'llm-key-request';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  state: 'request-state',
  /** sha256 of the canonical email (requests/email.ts); present on every Secret this service has written. */
  emailHash: 'llm-key-requestor/email-hash',
  /** The state whose worker duties are done; absent while none are. */
  handledState: 'llm-key-requestor/handled-state',
  /** `true` while a link mail waits to be sent (for `kubectl get -l`; the worker reads memory). */
  linkMailDue: 'llm-key-requestor/link-mail-due',
} as const;

export const ANNOTATIONS = {
  component: 'app.kubernetes.io/component',
  email: 'email',
  state: 'state',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  model: 'model',
  reason: 'reason',
  leaseOwner: 'llm-key-requestor/lease-owner',
  leaseUntil: 'llm-key-requestor/lease-until',
  attempts: 'llm-key-requestor/attempts',
  nextAttemptAt: 'llm-key-requestor/next-attempt-at',
  lastError: 'llm-key-requestor/last-error',
  language: 'llm-key-requestor/language',
  remindedCycle: 'llm-key-requestor/reminded-cycle',
  /** JSON `{"pending": <epoch hour> | null, "last": <epoch hour> | null}`. */
  linkMail: 'llm-key-requestor/link-mail',
  /** JSON `{kind, error, at}`: a notification given up after its bounded tries. */
  notificationFailed: 'notification-failed',
} as const;

export const DATA = {
  requestId: 'request_id',
  email: 'email',
  model: 'model',
  state: 'state',
  apiKey: 'api_key',
  pendingKey: 'pending_api_key',
  /** JSON array, oldest first, the newest HISTORY_LIMIT entries. */
  history: 'history',
  expiresAt: 'expires_at',
  cycle: 'cycle',
  keyHash: 'key_hash',
  keyHint: 'key_hint',
  notifyEmail: 'notify_email',
} as const;

/** A Secret holds at most this many history entries (the newest); its size limit is 1 MiB. */
export const HISTORY_LIMIT = 100;

/** Selects every request Secret, old and new. */
export const REQUEST_SELECTOR = `${LABELS.component}=${COMPONENT}`;

const REQUEST_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Ids become part of a Secret name (a DNS subdomain of at most 253 characters). */
export function isValidRequestId(id: string): boolean {
  return id.length > 0 && id.length <= 200 && REQUEST_ID.test(id);
}

export function secretName(id: string): string {
  return `${SECRET_NAME_PREFIX}${id}`;
}

/** Label values hold at most 63 characters; 63 hex digits of sha256 keep 252 bits. */
export function emailHash(email: string): string {
  return createHash('sha256').update(foldEmail(email), 'utf8').digest('hex').slice(0, 63);
}

/** Reads an annotation timestamp. The old service wrote Python `isoformat()` without an
 * offset (`2024-05-01T12:00:00.123456`), which is UTC; the result is always ISO-8601 with Z. */
export function parseTimestamp(text: string | undefined): string | null {
  if (text === undefined || text.trim() === '') {
    return null;
  }
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed);
    return Number.isSafeInteger(ms) ? new Date(ms).toISOString() : null;
  }
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    trimmed,
  );
  if (!match) {
    return null;
  }
  const [, date, time, fraction = '', zone = 'Z'] = match;
  // JavaScript dates hold milliseconds; Python writes microseconds.
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const offset =
    zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${date}T${time?.length === 5 ? `${time}:00` : time}.${millis}${offset}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function parseEpochMs(text: string | undefined): number | null {
  const iso = parseTimestamp(text);
  return iso === null ? null : Date.parse(iso);
}

function decodeData(data: Record<string, string> | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(data ?? {})) {
    decoded[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return decoded;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

export interface DecodedSecret {
  request: KeyRequest;
  /** Written by the old service: no email-hash label yet. */
  legacy: boolean;
  /** The state was changed outside the service (`kubectl label`): `from` is the state the
   * service last wrote (`data.state`), `to` the one the Secret now says. Null when they agree. */
  externalChange: { from: RequestState; to: RequestState } | null;
}

/** A Secret that does not hold a request we can read: `bad-response` (not retryable). */
function unreadable(problem: string): Result<never> {
  return fail(new AppError('bad-response', problem));
}

/** Worker duties the old service already carried out: it minted and mailed on approval,
 * mailed on denial, and notified reviewers when it parked a request. A pending request, and
 * one approved (e.g. with kubectl) that has no key yet, still need the worker. */
function legacyHandledState(state: RequestState, apiKey: string | null): RequestState | null {
  if ((state === 'approved' && apiKey !== null) || state === 'denied' || state === 'in-review') {
    return state;
  }
  return null;
}

/** Turns a Secret into a request, or explains why it cannot in the error's message (such
 * Secrets are skipped, never guessed at).
 * State precedence: the `request-state` label (what `kubectl label` edits), then the `state`
 * annotation, then `data.state`. */
export function decodeSecret(secret: V1Secret): Result<DecodedSecret> {
  const metadata = secret.metadata ?? {};
  const name = metadata.name ?? '';
  if (!name.startsWith(SECRET_NAME_PREFIX) || !isValidRequestId(name.slice(SECRET_NAME_PREFIX.length))) {
    return unreadable('name is not llm-key-request-<id>');
  }
  const version = metadata.resourceVersion;
  if (version === undefined || version === '') {
    return unreadable('no resourceVersion');
  }
  const labels = metadata.labels ?? {};
  const annotations = metadata.annotations ?? {};
  const data = decodeData(secret.data);

  const stateText = labels[LABELS.state] ?? annotations[ANNOTATIONS.state] ?? data[DATA.state];
  if (!isRequestState(stateText)) {
    return unreadable(`invalid state ${JSON.stringify(stateText ?? null)}`);
  }
  const email = nonEmpty(data[DATA.email] ?? annotations[ANNOTATIONS.email]);
  const model = nonEmpty(data[DATA.model] ?? annotations[ANNOTATIONS.model]);
  if (email === null || model === null) {
    return unreadable('missing email or model');
  }
  const apiKey = nonEmpty(data[DATA.apiKey]);
  const legacy = labels[LABELS.emailHash] === undefined;
  let handledState: RequestState | null;
  if (legacy) {
    handledState = legacyHandledState(stateText, apiKey);
  } else {
    const handled = labels[LABELS.handledState];
    if (handled !== undefined && !isRequestState(handled)) {
      // Guessing here could repeat a mint or an email; better to leave the Secret alone.
      return unreadable(`invalid handled-state ${JSON.stringify(handled)}`);
    }
    handledState = handled ?? null;
  }
  const createdAt =
    parseTimestamp(annotations[ANNOTATIONS.createdAt]) ??
    parseTimestamp(metadata.creationTimestamp?.toISOString()) ??
    new Date(0).toISOString();
  const attempts = Number(annotations[ANNOTATIONS.attempts] ?? '0');
  const cycleText = data[DATA.cycle];
  const cycle = cycleText === undefined ? 1 : Number(cycleText);
  if (!Number.isSafeInteger(cycle) || cycle < 1) {
    // The cycle is part of every Message-ID: a guess could resend or swallow a mail.
    return unreadable(`invalid cycle ${JSON.stringify(cycleText)}`);
  }
  const reminded = Number(annotations[ANNOTATIONS.remindedCycle] ?? '0');
  const linkMail = parseLinkMail(annotations[ANNOTATIONS.linkMail]);
  const language = annotations[ANNOTATIONS.language];
  const dataState = data[DATA.state];

  return ok({
    legacy,
    externalChange:
      isRequestState(dataState) && dataState !== stateText ? { from: dataState, to: stateText } : null,
    request: {
      id: name.slice(SECRET_NAME_PREFIX.length),
      email: foldEmail(email),
      notifyEmail: nonEmpty(data[DATA.notifyEmail]),
      language: isLanguage(language) ? language : null,
      model,
      state: stateText,
      reason: nonEmpty(annotations[ANNOTATIONS.reason]),
      cycle,
      history: parseHistory(data[DATA.history]),
      expiresAt: parseTimestamp(data[DATA.expiresAt]),
      keyHash: nonEmpty(data[DATA.keyHash]),
      keyHint: nonEmpty(data[DATA.keyHint]),
      apiKey,
      pendingKey: nonEmpty(data[DATA.pendingKey]),
      handledState,
      remindedCycle: Number.isSafeInteger(reminded) && reminded > 0 ? reminded : 0,
      notificationFailure: parseFailure(annotations[ANNOTATIONS.notificationFailed]),
      linkMail: linkMail.pending === null ? null : { hour: linkMail.pending },
      lastLinkMailHour: linkMail.last,
      createdAt,
      updatedAt: parseTimestamp(annotations[ANNOTATIONS.updatedAt]) ?? createdAt,
      work: {
        owner: nonEmpty(annotations[ANNOTATIONS.leaseOwner]),
        leaseUntil: parseEpochMs(annotations[ANNOTATIONS.leaseUntil]),
        attempts: Number.isSafeInteger(attempts) && attempts > 0 ? attempts : 0,
        nextAttemptAt: parseEpochMs(annotations[ANNOTATIONS.nextAttemptAt]) ?? 0,
        lastError: nonEmpty(annotations[ANNOTATIONS.lastError]),
      },
      version,
    },
  });
}

/** The audit trail as stored. It is not what the worker acts on, so an unreadable trail (a hand
 * edit) reads as empty, and entries that are not entries are left out, rather than making the
 * whole request unreadable. */
function parseHistory(text: string | undefined): HistoryEntry[] {
  if (text === undefined || text === '') {
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter(isHistoryEntry) : [];
}

function isHistoryEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const entry = value as Record<string, unknown>;
  const stateOrNull = (v: unknown) => v === null || isRequestState(v);
  return (
    typeof entry.at === 'string' &&
    typeof entry.actor === 'string' &&
    (HISTORY_ACTIONS as readonly unknown[]).includes(entry.action) &&
    stateOrNull(entry.from) &&
    stateOrNull(entry.to) &&
    (entry.reason === null || typeof entry.reason === 'string')
  );
}

function parseFailure(text: string | undefined): NotificationFailure | null {
  if (text === undefined || text === '') {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (
      (NOTIFICATION_KINDS as readonly unknown[]).includes(parsed.kind) &&
      typeof parsed.error === 'string' &&
      typeof parsed.at === 'string'
    ) {
      return { kind: parsed.kind as NotificationFailure['kind'], error: parsed.error, at: parsed.at };
    }
  } catch {
    // not ours (a hand edit): read as no failure, like any other unreadable bookkeeping
  }
  return null;
}

function parseLinkMail(text: string | undefined): { pending: number | null; last: number | null } {
  const hour = (value: unknown) =>
    Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : null;
  if (text === undefined || text === '') {
    return { pending: null, last: null };
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return { pending: hour(parsed.pending), last: hour(parsed.last) };
  } catch {
    return { pending: null, last: null };
  }
}

function setOrDelete(map: Record<string, string>, key: string, value: string | null): void {
  if (value === null) {
    delete map[key];
  } else {
    map[key] = value;
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Writes `request` onto a copy of `base` (the Secret as last read, when updating), so
 * labels, annotations and data keys that others added survive. The copy keeps base's
 * resourceVersion, which makes a replace with it conditional. */
export function encodeSecret(request: StoredRequest, base?: V1Secret): V1Secret {
  const metadata = { ...(base?.metadata ?? {}) };
  const labels = { ...(metadata.labels ?? {}) };
  const annotations = { ...(metadata.annotations ?? {}) };
  const data = { ...(base?.data ?? {}) };

  labels[LABELS.name] = APP_NAME;
  labels[LABELS.component] = COMPONENT;
  labels[LABELS.state] = request.state;
  labels[LABELS.emailHash] = emailHash(request.email);
  setOrDelete(labels, LABELS.handledState, request.handledState);
  setOrDelete(labels, LABELS.linkMailDue, request.linkMail === null ? null : 'true');

  annotations[ANNOTATIONS.component] = COMPONENT;
  annotations[ANNOTATIONS.email] = request.email;
  annotations[ANNOTATIONS.state] = request.state;
  annotations[ANNOTATIONS.createdAt] = request.createdAt;
  annotations[ANNOTATIONS.updatedAt] = request.updatedAt;
  annotations[ANNOTATIONS.model] = request.model;
  setOrDelete(annotations, ANNOTATIONS.reason, request.reason);
  const { work } = request;
  setOrDelete(annotations, ANNOTATIONS.leaseOwner, work.owner);
  setOrDelete(
    annotations,
    ANNOTATIONS.leaseUntil,
    work.leaseUntil === null ? null : new Date(work.leaseUntil).toISOString(),
  );
  setOrDelete(annotations, ANNOTATIONS.attempts, work.attempts > 0 ? String(work.attempts) : null);
  setOrDelete(
    annotations,
    ANNOTATIONS.nextAttemptAt,
    work.nextAttemptAt > 0 ? new Date(work.nextAttemptAt).toISOString() : null,
  );
  setOrDelete(annotations, ANNOTATIONS.lastError, work.lastError);
  setOrDelete(annotations, ANNOTATIONS.language, request.language);
  setOrDelete(
    annotations,
    ANNOTATIONS.remindedCycle,
    request.remindedCycle > 0 ? String(request.remindedCycle) : null,
  );
  setOrDelete(
    annotations,
    ANNOTATIONS.linkMail,
    request.linkMail === null && request.lastLinkMailHour === null
      ? null
      : JSON.stringify({ pending: request.linkMail?.hour ?? null, last: request.lastLinkMailHour }),
  );
  setOrDelete(
    annotations,
    ANNOTATIONS.notificationFailed,
    request.notificationFailure === null ? null : JSON.stringify(request.notificationFailure),
  );

  data[DATA.requestId] = base64(request.id);
  data[DATA.email] = base64(request.email);
  data[DATA.model] = base64(request.model);
  data[DATA.state] = base64(request.state);
  setOrDelete(data, DATA.apiKey, request.apiKey === null ? null : base64(request.apiKey));
  setOrDelete(data, DATA.pendingKey, request.pendingKey === null ? null : base64(request.pendingKey));
  data[DATA.history] = base64(JSON.stringify(newestEntries(request.history, HISTORY_LIMIT)));
  data[DATA.cycle] = base64(String(request.cycle));
  setOrDelete(data, DATA.expiresAt, request.expiresAt === null ? null : base64(request.expiresAt));
  setOrDelete(data, DATA.keyHash, request.keyHash === null ? null : base64(request.keyHash));
  setOrDelete(data, DATA.keyHint, request.keyHint === null ? null : base64(request.keyHint));
  setOrDelete(data, DATA.notifyEmail, request.notifyEmail === null ? null : base64(request.notifyEmail));

  return {
    ...(base ?? {}),
    apiVersion: 'v1',
    kind: 'Secret',
    type: base?.type ?? 'Opaque',
    metadata: { ...metadata, name: secretName(request.id), labels, annotations },
    data,
  };
}
