import { performance } from 'node:perf_hooks';
import type { ReceivedMail } from '../test/support/smtp-sink.js';

/** Times approval mails as the SMTP sink accepts them (its `onMessage` hook), by recipient, on
 * the bench's monotonic clock. Any other mail is counted as unexpected: the HTTP cases must
 * send none but the link mails they are known to cause (`expectLinkMails`), and the pipeline
 * cases only approvals. */
export interface MailClock {
  onMessage(mail: ReceivedMail): void;
  /** When the approval mail for `email` arrived; waits for it up to `timeoutMs`. */
  arrival(email: string, timeoutMs: number): Promise<number>;
  /** When the last of `emails` arrived, once all have; rejects when none of them arrived for
   * `stallMs` (a slow pipeline is a measurement, a stalled one is a failure). */
  lastArrival(emails: readonly string[], stallMs: number): Promise<number>;
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
  const waiting = new Map<string, (at: number) => void>();
  const unexpected: string[] = [];
  /** Per address expecting link mails: their subject and how many arrived. */
  const links = new Map<string, { subject: string; count: number }>();

  /** Whether `mail` is a link mail its address expects (and counts it). */
  function isExpectedLinkMail(mail: ReceivedMail, to: string | undefined): boolean {
    const expected = to === undefined ? undefined : links.get(to);
    if (expected === undefined || mail.envelope.rcptTo.length !== 1 || mail.subject !== expected.subject) {
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
      const to = mail.envelope.rcptTo[0];
      if (isExpectedLinkMail(mail, to)) {
        return;
      }
      if (!APPROVAL_SUBJECT.test(mail.subject) || to === undefined || mail.envelope.rcptTo.length !== 1) {
        unexpected.push(`${mail.subject} -> ${mail.envelope.rcptTo.join(', ')}`);
        return;
      }
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
    get approvals() {
      return arrived.size;
    },
    unexpected,
  };
}
