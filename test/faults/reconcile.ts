import type { KeyRequest, RequestState } from '../../src/requests/request-types.js';

/** What the fault suite checks once the faults stop and everything settled: every request the
 * client got in is decided as its scenario says, holds exactly the keys it should at LiteLLM,
 * and got each of its mails once — or, for a recipient refused for good, a failed notification.
 * A mail may arrive twice only under the crash-resend rule of docs/design.md ("Guarantees"):
 * the process that sent it was killed between the mail server's acceptance and recording it,
 * and then the second copy is the same message. */

/** What the client does with one request: the model it asks for and what follows. */
export type Scenario =
  /** Auto-approved: one key, one approval mail. */
  | 'approve'
  /** Auto-approved for a recipient the mail server refuses for good (550): one key, and the
   * approval mail ends as a failed notification after its bounded tries. */
  | 'bounce'
  /** Denied by the chain: no key, one denial mail. */
  | 'deny'
  /** Parked for review (a notice to the admins), then approved by an admin. */
  | 'review-approve'
  /** Parked for review, then denied by an admin. */
  | 'review-deny'
  /** Its short-lived key expires and it is asked for again: the key is extended, cycle 2. */
  | 'renew'
  /** The same, but the expired key is deleted at the proxy first: a new key is minted. */
  | 'renew-replace';

export interface Attempt {
  what: string;
  replica: string;
  outcome: 'answered' | 'failed';
  detail: string;
}

export interface Submission {
  scenario: Scenario;
  email: string;
  model: string;
  /** Null until a replica accepted it. */
  requestId: string | null;
  attempts: Attempt[];
}

/** One message the mail server accepted. */
export interface DeliveredMail {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** When the server accepted it (ms since the epoch). */
  at: number;
  /** The worker holding the request's lease when the mail was accepted: its sender. */
  sender: string | null;
}

/** A key the proxy holds. */
export interface ProxyKey {
  requestId: string;
  key: string;
  token: string;
  live: boolean;
}

export interface KilledWorker {
  owner: string;
  at: number;
}

export interface ReconcileInput {
  submissions: readonly Submission[];
  /** Every request in the store once settled. */
  requests: readonly KeyRequest[];
  keys: readonly ProxyKey[];
  mails: readonly DeliveredMail[];
  kills: readonly KilledWorker[];
  /** Where review notices go (`admin.notify`). */
  reviewers: readonly string[];
}

export interface Reconciliation {
  requestsIn: number;
  keysLive: number;
  mailsDelivered: number;
  failedNotifications: number;
  resentAfterCrash: number;
  /** Keys and mail copies too many. */
  duplicates: number;
  /** Requests with a duty left undone (or never accepted). */
  lost: number;
  /** One line per duplicate or loss, saying which request and what. */
  problems: string[];
}

/** How far a kill may precede the acceptance of a mail its victim sent: the server can finish
 * reading a message whose sender died right after writing it. */
const IN_FLIGHT_MS = 2_000;

interface Expected {
  state: RequestState[];
  cycle: number;
  /** Keys at the proxy (live or expired) for the request. */
  keys: 0 | 1;
  /** The key must be live (not expired). */
  live: boolean;
  /** Mails by `kind.c<cycle>`, each to the requester unless `review`. */
  mails: string[];
  /** The notification that must end as failed instead of delivered. */
  failed: string | null;
}

// Renewed keys live seconds: by the time of counting they may have expired again.
const RENEWED: Expected = {
  state: ['approved', 'expired'],
  cycle: 2,
  keys: 1,
  live: false,
  mails: ['approval.c1', 'approval.c2'],
  failed: null,
};

const EXPECTED: Record<Scenario, Expected> = {
  approve: { state: ['approved'], cycle: 1, keys: 1, live: true, mails: ['approval.c1'], failed: null },
  bounce: { state: ['approved'], cycle: 1, keys: 1, live: true, mails: [], failed: 'approval' },
  deny: { state: ['denied'], cycle: 1, keys: 0, live: false, mails: ['denial.c1'], failed: null },
  'review-approve': {
    state: ['approved'],
    cycle: 1,
    keys: 1,
    live: true,
    mails: ['review.c1', 'approval.c1'],
    failed: null,
  },
  'review-deny': {
    state: ['denied'],
    cycle: 1,
    keys: 0,
    live: false,
    mails: ['review.c1', 'denial.c1'],
    failed: null,
  },
  // The two differ in what the proxy holds (the extended key, or a new one), not in what ends.
  renew: RENEWED,
  'renew-replace': RENEWED,
};

const MESSAGE_ID = /^<([^.]+)\.([a-z]+)\.c(\d+)(?:\.h\d+)?@llm-key-requestor>$/;

/** Whether a request's duties are all done (the suite waits for this before counting). A lease
 * may still name a killed worker: it died after its last write but before releasing, and a
 * settled request is never claimed again. */
export function isSettled(
  request: KeyRequest,
  submission: Submission,
  killedOwners: ReadonlySet<string>,
): boolean {
  const expected = EXPECTED[submission.scenario];
  return (
    request.handledState === request.state &&
    expected.state.includes(request.state) &&
    request.cycle === expected.cycle &&
    request.linkMail === null &&
    (request.work.owner === null || killedOwners.has(request.work.owner))
  );
}

export function reconcile(input: ReconcileInput): Reconciliation {
  const problems: string[] = [];
  // A request counts once however many of its duties went missing.
  const lostRequests = new Set<string>();
  let duplicates = 0;
  const loss = (who: string, text: string) => {
    lostRequests.add(who);
    problems.push(`lost: ${text}`);
  };
  const duplicate = (text: string) => {
    duplicates++;
    problems.push(`duplicate: ${text}`);
  };

  const byId = new Map(input.requests.map((request) => [request.id, request]));
  const submitted = new Map<string, Submission>();
  for (const submission of input.submissions) {
    if (submission.requestId === null) {
      loss(submission.email, `${submission.email}: never accepted`);
    } else if (submitted.has(submission.requestId)) {
      duplicate(`${submission.email}: shares request ${submission.requestId} with another address`);
    } else {
      submitted.set(submission.requestId, submission);
    }
  }
  const killedOwners = new Set(input.kills.map((kill) => kill.owner));

  // Mails: group the copies of each Message-ID, oldest first.
  const copies = new Map<string, DeliveredMail[]>();
  for (const mail of [...input.mails].sort((a, b) => a.at - b.at)) {
    copies.set(mail.messageId, [...(copies.get(mail.messageId) ?? []), mail]);
  }
  let resentAfterCrash = 0;
  const delivered = new Map<string, Set<string>>(); // request id -> kind.c<cycle>
  for (const [messageId, list] of copies) {
    const [first, ...again] = list;
    if (first === undefined) {
      continue;
    }
    for (const [index, copy] of again.entries()) {
      const previous = list[index] ?? first;
      const same =
        JSON.stringify([copy.to, copy.subject, copy.text, copy.html]) ===
        JSON.stringify([first.to, first.subject, first.text, first.html]);
      const senderKilled = input.kills.some(
        (kill) =>
          kill.owner === previous.sender && kill.at >= previous.at - IN_FLIGHT_MS && kill.at <= copy.at,
      );
      if (same && senderKilled) {
        resentAfterCrash++;
      } else {
        duplicate(
          `${messageId} sent again ${same ? 'though its sender was not killed in between' : 'with other content'}`,
        );
      }
    }
    const match = MESSAGE_ID.exec(messageId);
    const requestId = match?.[1] ?? '';
    const submission = submitted.get(requestId);
    const kind = match?.[2] ?? '';
    if (match === null || submission === undefined) {
      duplicate(`${messageId}: a mail for no request the client made`);
      continue;
    }
    if (kind === 'link') {
      // A POST that found its request asks for a link mail: only a re-post after a lost answer does.
      const reposted = submission.attempts.some(
        (a) => a.outcome === 'failed' && (a.what === 'submit' || a.what === 'renew'),
      );
      if (!reposted) {
        duplicate(`${messageId}: a link mail though ${submission.email} was never re-posted`);
      }
      continue;
    }
    const label = `${kind}.c${match[3]}`;
    if (!EXPECTED[submission.scenario].mails.includes(label)) {
      duplicate(`${messageId}: not a mail a ${submission.scenario} request gets`);
      continue;
    }
    const recipients = kind === 'review' ? [...input.reviewers] : [submission.email];
    if (JSON.stringify(first.to) !== JSON.stringify(recipients)) {
      loss(requestId, `${messageId} went to ${first.to.join(', ')}`);
    }
    delivered.set(requestId, new Set([...(delivered.get(requestId) ?? []), label]));
  }

  // Keys at the proxy, by request.
  const keysOf = new Map<string, ProxyKey[]>();
  for (const key of input.keys) {
    keysOf.set(key.requestId, [...(keysOf.get(key.requestId) ?? []), key]);
  }
  for (const requestId of keysOf.keys()) {
    if (!submitted.has(requestId)) {
      duplicate(`a key at the proxy for ${requestId}, a request the client never made`);
    }
  }

  let failedNotifications = 0;
  for (const [requestId, submission] of submitted) {
    const expected = EXPECTED[submission.scenario];
    const request = byId.get(requestId);
    const who = `${submission.email} (${submission.scenario}, ${requestId})`;
    if (request === undefined) {
      loss(requestId, `${who}: not in the store`);
      continue;
    }
    if (!isSettled(request, submission, killedOwners)) {
      loss(
        requestId,
        `${who}: not settled (${request.state}, handled ${request.handledState}, cycle ${request.cycle}, lease ${request.work.owner}, last error ${request.work.lastError})`,
      );
      continue;
    }
    const keys = keysOf.get(requestId) ?? [];
    if (keys.length > expected.keys) {
      duplicate(`${who}: ${keys.length} keys at the proxy`);
    } else if (keys.length < expected.keys) {
      loss(requestId, `${who}: no key at the proxy`);
    }
    const [key] = keys;
    if (expected.keys === 1 && key !== undefined) {
      if (key.token !== request.keyHash) {
        loss(requestId, `${who}: the store records another key than the proxy holds`);
      }
      if (expected.live && !key.live) {
        loss(requestId, `${who}: its key is not live`);
      }
    }
    const got = delivered.get(requestId) ?? new Set<string>();
    for (const label of expected.mails) {
      if (!got.has(label)) {
        loss(requestId, `${who}: no ${label} mail`);
      }
    }
    if (expected.mails.includes('approval.c1') && submission.scenario !== 'renew-replace') {
      // The first approval mail carries the key the proxy holds (renew: the key it extended).
      const mail = copies.get(`<${requestId}.approval.c1@llm-key-requestor>`)?.[0];
      if (mail !== undefined && key !== undefined && !mail.text.includes(key.key)) {
        loss(requestId, `${who}: the approval mail does not carry the key the proxy holds`);
      }
    }
    // Given up after the bounded tries: `mail-failed` (reason `<kind> mail refused <n> times`).
    const givenUp = request.history
      .filter((entry) => entry.action === 'mail-failed')
      .map((entry) => (entry.reason ?? '').split(' ')[0] ?? '');
    failedNotifications += givenUp.length;
    for (const kind of givenUp) {
      if (kind !== expected.failed && !(kind === 'link' && submission.scenario === 'bounce')) {
        loss(requestId, `${who}: its ${kind} mail was given up (${request.notificationFailure?.error})`);
      }
    }
    if (expected.failed !== null && !givenUp.includes(expected.failed)) {
      loss(requestId, `${who}: its ${expected.failed} mail was neither delivered nor given up`);
    }
  }

  return {
    requestsIn: submitted.size,
    keysLive: input.keys.filter((key) => key.live && submitted.has(key.requestId)).length,
    mailsDelivered: copies.size,
    failedNotifications,
    resentAfterCrash,
    duplicates,
    lost: lostRequests.size,
    problems,
  };
}

/** The one line the suite prints. */
export function reconciliationLine(r: Reconciliation): string {
  return `faults: requests in ${r.requestsIn}, keys live ${r.keysLive}, mails delivered ${r.mailsDelivered}, failed notifications ${r.failedNotifications}, resent after crash ${r.resentAfterCrash}, duplicates ${r.duplicates}, lost ${r.lost}`;
}
