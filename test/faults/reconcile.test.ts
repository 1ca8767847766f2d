import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../src/requests/history.js';
import type { KeyRequest, RequestState } from '../../src/requests/request-types.js';
import {
  type DeliveredMail,
  type ProxyKey,
  type ReconcileInput,
  reconcile,
  reconciliationLine,
  type Scenario,
  type Submission,
} from './reconcile.js';

// The fault suite's verdict must be able to fail: each kind of loss and duplicate it looks for,
// planted in an otherwise clean outcome, is counted.

const WORKER_A = 'vm-101-aaaa';
const WORKER_B = 'vm-102-bbbb';

function submission(n: number, scenario: Scenario, failedPost = false): Submission {
  return {
    scenario,
    email: `${scenario}-${n}@example.com`,
    model: 'gpt-4o',
    requestId: `id${n}`,
    attempts: [
      ...(failedPost
        ? [{ what: 'submit', replica: 'a', outcome: 'failed' as const, detail: 'HTTP 503' }]
        : []),
      { what: 'submit', replica: 'b', outcome: 'answered', detail: 'HTTP 200' },
    ],
  };
}

function stored(s: Submission, state: RequestState, extra: Partial<KeyRequest> = {}): KeyRequest {
  return {
    id: s.requestId ?? '',
    email: s.email,
    model: s.model,
    state,
    handledState: state,
    cycle: 1,
    keyHash: state === 'approved' ? `hash-${s.requestId}` : null,
    linkMail: null,
    notificationFailure: null,
    history: [],
    work: { owner: null, leaseUntil: null, attempts: 0, nextAttemptAt: 0, lastError: null },
    ...extra,
  } as KeyRequest;
}

function key(s: Submission, token = `hash-${s.requestId}`): ProxyKey {
  return { requestId: s.requestId ?? '', key: `sk-key-of-${token}`, token, live: true };
}

function mail(s: Submission, kind: string, at: number, sender = WORKER_A, text = ''): DeliveredMail {
  return {
    messageId: `<${s.requestId}.${kind}.c1@llm-key-requestor>`,
    to: kind === 'review' ? ['reviewers@example.com'] : [s.email],
    subject: kind,
    text: text || (kind === 'approval' ? `your key: sk-key-of-hash-${s.requestId}` : 'text'),
    html: '',
    at,
    sender,
  };
}

/** Two approvals, a denial and a bounce, all as they should end. */
type Four = [Submission, Submission, Submission, Submission];

function clean(): ReconcileInput & { s: Four } {
  const s = [
    submission(1, 'approve'),
    submission(2, 'approve'),
    submission(3, 'deny'),
    submission(4, 'bounce'),
  ] as Four;
  const gaveUp = historyEntry('mail-failed', 'worker', {
    from: 'approved',
    to: 'approved',
    reason: 'approval mail refused 5 times',
  });
  return {
    s,
    submissions: s,
    requests: [
      stored(s[0], 'approved'),
      stored(s[1], 'approved'),
      stored(s[2], 'denied'),
      stored(s[3], 'approved', {
        history: [{ ...gaveUp, at: '2026-01-01T00:00:00.000Z' }],
        notificationFailure: {
          kind: 'approval',
          error: 'SMTP EENVELOPE 550',
          at: '2026-01-01T00:00:00.000Z',
        },
      }),
    ],
    keys: [key(s[0]), key(s[1]), key(s[3])],
    mails: [mail(s[0], 'approval', 1000), mail(s[1], 'approval', 1100), mail(s[2], 'denial', 1200)],
    kills: [],
    reviewers: ['reviewers@example.com'],
  };
}

describe('the fault suite reconciliation', () => {
  it('counts a clean outcome as such', () => {
    const result = reconcile(clean());

    expect(result).toMatchObject({
      requestsIn: 4,
      keysLive: 3,
      mailsDelivered: 3,
      failedNotifications: 1,
      resentAfterCrash: 0,
      duplicates: 0,
      lost: 0,
    });
    expect(reconciliationLine(result)).toBe(
      'faults: requests in 4, keys live 3, mails delivered 3, failed notifications 1, resent after crash 0, duplicates 0, lost 0',
    );
  });

  it('counts a second key for one request, and a key for a denied one', () => {
    const input = clean();
    const result = reconcile({
      ...input,
      keys: [...input.keys, key(input.s[0], 'another-hash'), key(input.s[2])],
    });

    expect(result.duplicates).toBe(2);
    expect(result.problems.join('\n')).toContain('2 keys at the proxy');
  });

  it('lets a mail arrive twice only when its sender was killed in between', () => {
    const input = clean();
    const [first] = input.mails;
    const again = { ...(first as DeliveredMail), at: 5000, sender: WORKER_B };

    expect(reconcile({ ...input, mails: [...input.mails, again] })).toMatchObject({
      resentAfterCrash: 0,
      duplicates: 1,
    });
    const crashed = reconcile({
      ...input,
      mails: [...input.mails, again],
      kills: [{ owner: WORKER_A, at: 2000 }],
    });
    expect(crashed).toMatchObject({ resentAfterCrash: 1, duplicates: 0, mailsDelivered: 3 });
    // A crash does not excuse a resend that differs from the first copy.
    const changed = { ...again, text: 'your key: sk-another' };
    expect(
      reconcile({ ...input, mails: [...input.mails, changed], kills: [{ owner: WORKER_A, at: 2000 }] }),
    ).toMatchObject({ resentAfterCrash: 0, duplicates: 1 });
  });

  it('counts a missing mail, a missing key and an unsettled request as lost', () => {
    const input = clean();
    const [one, two, three] = input.s;
    const result = reconcile({
      ...input,
      mails: input.mails.filter((m) => !m.messageId.includes(String(three.requestId))),
      keys: input.keys.filter((k) => k.requestId !== one.requestId),
      requests: input.requests.map((r) => (r.id === two.requestId ? { ...r, handledState: null } : r)),
    });

    expect(result.lost).toBe(3);
    expect(result.problems).toEqual([
      `lost: ${one.email} (approve, ${one.requestId}): no key at the proxy`,
      expect.stringContaining(`lost: ${two.email} (approve, ${two.requestId}): not settled`),
      `lost: ${three.email} (deny, ${three.requestId}): no denial.c1 mail`,
    ]);
  });

  it('counts an approval mail that carries another key than the proxy holds as lost', () => {
    const input = clean();
    const [first, ...rest] = input.mails;
    const wrong = { ...(first as DeliveredMail), text: 'your key: sk-minted-twice' };

    expect(reconcile({ ...input, mails: [wrong, ...rest] }).lost).toBe(1);
  });

  it('counts a request never accepted and a bounce whose mail was neither delivered nor given up', () => {
    const input = clean();
    const result = reconcile({
      ...input,
      submissions: [...input.submissions, { ...submission(5, 'approve'), requestId: null }],
      requests: input.requests.map((r) => ({ ...r, history: [], notificationFailure: null })),
    });

    expect(result.lost).toBe(2);
  });

  it('allows a link mail only after a re-post', () => {
    const input = clean();
    const link = (s: Submission) => ({
      ...mail(s, 'link', 3000),
      messageId: `<${s.requestId}.link.c1.h500000@llm-key-requestor>`,
    });
    const reposted = submission(1, 'approve', true);

    expect(reconcile({ ...input, mails: [...input.mails, link(reposted)] }).duplicates).toBe(1);
    expect(
      reconcile({
        ...input,
        submissions: [reposted, ...input.submissions.slice(1)],
        mails: [...input.mails, link(reposted)],
      }).duplicates,
    ).toBe(0);
  });
});
