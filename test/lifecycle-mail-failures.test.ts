import { afterEach, describe, expect, it } from 'vitest';
import { MAIL_TRIES } from '../src/worker/request-processor.js';
import { adminService, keyOf, mailOf, settledIn, submitted, trail } from './support/lifecycle.js';
import { type Harness, STORE_KINDS, startHarness } from './support/service-harness.js';
import { waitUntil } from './support/wait.js';

// A recipient the mail server refuses for good (550): tried a bounded number of times, then the
// notification is given up, counted and shown to admins; an admin's resend delivers it once the
// recipient is accepted again. The approval mail's resend needs the plain key, so it is kept
// until that mail is delivered.

const CONFIG = `
models: [{id: ollama/llama2, title: Llama 2}]
litellm: {enable_litellm_models: false}
approval_plugins:
  - {name: whitelist, config: {list: ["ollama/*"]}}
`;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function metric(series: string): Promise<number | undefined> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(STORE_KINDS)('a recipient refused for good on the %s store', (store) => {
  it('ends as a failed notification after the bounded tries; an admin resend delivers it', async () => {
    h = await startHarness({ configYaml: CONFIG, store });
    h.smtp.refuseRecipient('bounce@example.com', 550);
    const id = await submitted(h, 'bounce@example.com', 'ollama/llama2');

    const failed = await waitUntil(
      async () => {
        const request = await h.request(id);
        return request.notificationFailure === null ? null : request;
      },
      { timeoutMs: 45_000, what: 'the approval mail to be given up' },
    );

    expect(failed).toMatchObject({ state: 'approved', handledState: 'approved' });
    expect(failed.notificationFailure).toMatchObject({ kind: 'approval' });
    expect(failed.notificationFailure?.error).toMatch(/^approval mail not sent: SMTP EENVELOPE 550/);
    expect(h.smtp.rejectedCount).toBe(MAIL_TRIES);
    expect(trail(failed).slice(-2)).toEqual(['worker key-minted', 'worker mail-failed']);
    // Kept for the resend: the key was never delivered.
    const key = keyOf(h.litellm, failed.keyHash);
    expect(failed.apiKey).toBe(key);
    expect(await metric('llm_key_requestor_notifications_failed_total{kind="approval"}')).toBe(1);
    // Given up means done: no further tries.
    expect((await h.request(id)).work).toMatchObject({ owner: null, attempts: 0 });

    h.smtp.refuseRecipient('bounce@example.com', null);
    await adminService(h).resend(id, 'admin:root');
    const mail = await mailOf(h, id, 'approval', 1);
    const delivered = await settledIn(h, id, 'approved');

    expect(mail.text).toContain(key);
    expect(delivered).toMatchObject({ apiKey: null, notificationFailure: null });
    expect(trail(delivered).slice(-3)).toEqual([
      'worker mail-failed',
      'admin:root mail-resent',
      'worker mail-delivered',
    ]);
    expect(h.smtp.messages).toHaveLength(1);
    expect(h.litellm.liveKeys()).toHaveLength(1);
  }, 90_000);
});
