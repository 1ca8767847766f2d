import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustUpdate } from '../../test/support/must-update.js';
import { type ProcessorKit, processorKit } from '../../test/support/processor-kit.js';
import type { MailMessage } from '../mail/mailer.js';
import { epochHour } from '../requests/duties.js';
import { AppError } from '../shared/errors.js';
import { fail, ok } from '../shared/result.js';
import { MAIL_TRIES } from './request-processor.js';

// A mail that went out is recorded even when the request moved to another state meanwhile (an
// admin decided while the mail was being sent), so a link mail or reminder is not sent twice.
// Found by the fault suite (test/faults): an admin approved a request parked for review while
// the worker mailed its link; the write recording the link mail met the approval, was dropped
// with the old state's patch, and the link mail went out again after the approval mail.

let k: ProcessorKit;
beforeEach(() => {
  k = processorKit();
});
afterEach(async () => {
  await k.close();
});

describe('request processor: a mail sent while an admin decides', () => {
  async function parkedWithLinkMail() {
    const request = await k.claimed();
    return mustUpdate(k.store, request, {
      state: 'in-review',
      handledState: 'in-review',
      linkMail: { hour: epochHour(k.clock) },
    });
  }

  /** An admin approves the request while its first link mail is on the wire. */
  async function approveDuringLinkMail(id: string, message: MailMessage): Promise<void> {
    if (
      message.messageId.includes('.link.') &&
      k.mailed.filter((m) => m.messageId.includes('.link.')).length === 1
    ) {
      await mustUpdate(k.store, await k.stored(id), {
        state: 'approved',
        reason: 'Approved by an administrator',
      });
    }
  }

  it('records the link mail in the new state and does not send it again', async () => {
    const parked = await parkedWithLinkMail();

    const outcome = await k.processor({
      send: async (message) => {
        await approveDuringLinkMail(parked.id, message);
        return ok(undefined);
      },
    })(parked);

    expect(outcome).toEqual({ status: 'done' });
    expect(k.mailed.map((mail) => mail.messageId.replace(parked.id, 'id'))).toEqual([
      `<id.link.c1.h${epochHour(k.clock)}@llm-key-requestor>`,
      '<id.approval.c1@llm-key-requestor>',
    ]);
    const after = await k.stored(parked.id);
    expect(after).toMatchObject({
      state: 'approved',
      handledState: 'approved',
      linkMail: null,
      lastLinkMailHour: epochHour(k.clock),
    });
    expect(after.history.filter((entry) => entry.action === 'mail-delivered').map((e) => e.reason)).toEqual([
      'link mail',
      'approval mail',
    ]);
  });

  it('records a link mail given up in the new state too', async () => {
    let request = await parkedWithLinkMail();
    const refused = fail(
      new AppError('rejected', 'SMTP EENVELOPE 550 (RCPT TO): no such user', { retry: false }),
    );
    for (let attempt = 1; attempt < MAIL_TRIES; attempt++) {
      const outcome = await k.processor({ send: () => refused })(request);
      expect(outcome.status).toBe('retry');
      k.clock = outcome.status === 'retry' ? outcome.retryAt : k.clock;
      request = await k.claimedAgain();
    }
    k.mailed.length = 0;
    const id = request.id;

    await k.processor({
      send: async (message) => {
        await approveDuringLinkMail(id, message);
        return message.messageId.includes('.link.') ? refused : ok(undefined);
      },
    })(request);

    const after = await k.stored(request.id);
    expect(after).toMatchObject({ state: 'approved', linkMail: null, notificationFailure: { kind: 'link' } });
    expect(k.mailed.filter((mail) => mail.messageId.includes('.link.'))).toHaveLength(1);
  });

  it('leaves a state mail to the new state: a review notice sent while an admin approved is not repeated', async () => {
    const request = await k.claimed();
    const parked = await mustUpdate(k.store, request, { state: 'in-review' });

    await k.processor({
      adminNotify: ['reviewers@example.com'],
      send: async (message) => {
        if (message.messageId.includes('.review.')) {
          await mustUpdate(k.store, await k.stored(parked.id), { state: 'approved' });
        }
        return ok(undefined);
      },
    })(parked);

    expect(k.mailed.map((mail) => mail.messageId.split('.')[1])).toEqual(['review', 'approval']);
    const after = await k.stored(parked.id);
    expect(after).toMatchObject({ state: 'approved', handledState: 'approved' });
    expect(after.history.filter((entry) => entry.action === 'mail-delivered').map((e) => e.reason)).toEqual([
      'review mail',
      'approval mail',
    ]);
  });
});
