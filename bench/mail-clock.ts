import { performance } from 'node:perf_hooks';
import type { FakeKey } from '../test/support/fake-litellm.js';
import type { BenchMail } from './mail-sink.js';

/** Times approval mails as the SMTP sink accepts them (its `onMessage` hook), by recipient, on
 * the bench's monotonic clock. Any other mail is counted as unexpected: the HTTP cases must
 * send none but the link mails they are known to cause (`expectLinkMails`), and the pipeline
 * cases only approvals, each to one recipient, with a Message-ID no other mail had and a key
 * in it. */
export interface MailClock {
  onMessage(mail: BenchMail): void;
  /** When the approval mail for `email` arrived; waits for it up to `timeoutMs`. */
  arrival(email: string, timeoutMs: number): Promise<number>;
  /** When the last of `emails` arrived, once all have; rejects when none of them arrived for
   * `stallMs` (a slow pipeline is a measurement, a stalled one is a failure). */
  lastArrival(emails: readonly string[], stallMs: number): Promise<number>;
  /** Checks every approval's key against the keys LiteLLM holds (after the timing: a look-up
   * per mail would cost the bench CPU while it measures): each must be a key minted for that
   * recipient. Adds what does not match to `unexpected`. */
  verifyKeys(keys: readonly FakeKey[]): void;
  /** A request submitted again gets its requester a mail with the link to its page, at most
   * one per clock hour (requests/request-service.ts): from now on, mails to `email` alone with
   * `subject` are counted as link mails, not as unexpected; the caller checks their number
   * (`linkMails`) against the hours its repeats spanned. Any other mail is still unexpected. */
  expectLinkMails(email: string, subject: string): void;
  /** Link mails accepted for `email` so far. */
  linkMails(email: string): number;
  readonly approvals: number;
  readonly unexpected: readonly string[];
}

const APPROVAL_SUBJECT = /^API Key Approved for /;

export function createMailClock(): MailClock {
  const arrived = new Map<string, number>();
  /** The key each approval carried, by recipient, until `verifyKeys` checks it. */
  const unverified = new Map<string, string>();
  const messageIds = new Set<string>();
  const waiting = new Map<string, (at: number) => void>();
  const unexpected: string[] = [];
  /** Per address expecting link mails: their subject and how many arrived. */
  const links = new Map<string, { subject: string; count: number }>();

  /** Whether `mail` is a link mail its address expects (and counts it). */
  function isExpectedLinkMail(mail: BenchMail, to: string | undefined): boolean {
    const expected = to === undefined ? undefined : links.get(to);
    if (expected === undefined || mail.rcptTo.length !== 1 || mail.subject !== expected.subject) {
      return false;
    }
    expected.count += 1;
    return true;
  }

  function arrival(email: string, timeoutMs: number): Promise<number> {
    const at = arrived.get(email);
    if (at !== undefined) {
      return Promise.resolve(at);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(email);
        reject(new Error(`no approval mail for ${email} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(email, (time) => {
        clearTimeout(timer);
        resolve(time);
      });
    });
  }

  return {
    onMessage(mail) {
      const at = performance.now();
      const to = mail.rcptTo[0];
      if (isExpectedLinkMail(mail, to)) {
        return;
      }
      if (!APPROVAL_SUBJECT.test(mail.subject) || to === undefined || mail.rcptTo.length !== 1) {
        unexpected.push(`${mail.subject} -> ${mail.rcptTo.join(', ')}`);
        return;
      }
      if (mail.messageId === null || messageIds.has(mail.messageId) || mail.key === null) {
        unexpected.push(
          `${mail.subject} -> ${to}: ${mail.key === null ? 'no key' : `Message-ID ${mail.messageId ?? 'missing'} (again)`}`,
        );
        return;
      }
      messageIds.add(mail.messageId);
      unverified.set(to, mail.key);
      arrived.set(to, at);
      waiting.get(to)?.(at);
      waiting.delete(to);
    },
    arrival,
    expectLinkMails(email, subject) {
      links.set(email, { subject, count: links.get(email)?.count ?? 0 });
    },
    linkMails(email) {
      return links.get(email)?.count ?? 0;
    },
    lastArrival(emails, stallMs) {
      let last = 0;
      const missing = new Set<string>();
      for (const email of emails) {
        const at = arrived.get(email);
        if (at === undefined) {
          missing.add(email);
        } else {
          last = Math.max(last, at);
        }
      }
      if (missing.size === 0) {
        return Promise.resolve(last);
      }
      return new Promise((resolve, reject) => {
        const stalled = () => {
          for (const email of missing) {
            waiting.delete(email);
          }
          reject(
            new Error(
              `${emails.length - missing.size} of ${emails.length} approval mails arrived, then none for ${stallMs} ms`,
            ),
          );
        };
        let timer = setTimeout(stalled, stallMs);
        for (const email of missing) {
          waiting.set(email, (at) => {
            missing.delete(email);
            last = Math.max(last, at);
            clearTimeout(timer);
            if (missing.size === 0) {
              resolve(last);
            } else {
              timer = setTimeout(stalled, stallMs);
            }
          });
        }
      });
    },
    verifyKeys(keys) {
      const owners = new Map(keys.map((key) => [key.key, key.metadata.email]));
      for (const [to, key] of unverified) {
        if (owners.get(key) !== to) {
          unexpected.push(`approval to ${to}: its key is not one LiteLLM minted for ${to}`);
        }
      }
      unverified.clear();
    },
    get approvals() {
      return arrived.size;
    },
    unexpected,
  };
}
