import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { epochHour } from '../src/requests/duties.js';
import {
  adminCall,
  expectNoKeyInUrls,
  keyOf,
  mailOf,
  mailsOf,
  settledIn,
  submitted,
  submittedAgain,
  trail,
} from './support/lifecycle.js';
import { ADMIN_ENV, type Harness, STORE_KINDS, startHarness } from './support/service-harness.js';
import { waitUntil } from './support/wait.js';

// What happens when the same person asks again, or an admin decides again, on both stores:
// re-requests after a denial (cool-down), re-issues, link mails, and the plain key at rest.

const config = (denyCooldown: string) => `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: ollama/llama2, title: Llama 2}
litellm:
  enable_litellm_models: false
  key_defaults: {duration: 30d}
approval_plugins:
  - {name: email, config: {pattern: "*@company.com"}}
lifecycle: {deny_cooldown: ${denyCooldown}}
public_url: https://keys.example.com
`;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Waits until the link mail asked for in `hour` was sent. */
function linkMailOf(id: string, hour: number) {
  return h.smtp.waitFor((mail) => mail.messageId === `<${id}.link.c1.h${hour}@llm-key-requestor>`, 15_000);
}

describe.each(STORE_KINDS)('asking again on the %s store', (store) => {
  it('lets a denied address ask again at once with deny_cooldown 0: a new cycle through the chain', async () => {
    h = await startHarness({ configYaml: config('0'), store });
    const id = await submitted(h, 'someone@gmail.com', 'gpt-4');
    await settledIn(h, id, 'denied', 1);
    await mailOf(h, id, 'denial', 1);

    await submittedAgain(h, 'someone@gmail.com', 'gpt-4');
    const again = await settledIn(h, id, 'denied', 2);

    expect(trail(again).slice(-3)).toEqual([
      'requester renewal-requested',
      'plugin:email decided',
      'worker mail-delivered',
    ]);
    expect(mailsOf(h, id, 'denial', 2)).toHaveLength(1);
    expect(mailsOf(h, id, 'denial', 1)).toHaveLength(1);
  });

  it('does not start over within deny_cooldown 24h: the address gets a link to its page instead', async () => {
    h = await startHarness({ configYaml: config('24h'), store });
    const id = await submitted(h, 'someone@gmail.com', 'gpt-4');
    await settledIn(h, id, 'denied', 1);

    const hour = epochHour(Date.now());
    await submittedAgain(h, 'someone@gmail.com', 'gpt-4');
    const link = await linkMailOf(id, hour);

    // The mail arrives before the worker records it: wait for the record, not for the mail.
    const after = await waitUntil(
      async () => {
        const current = await h.request(id);
        return current?.linkMail === null ? current : null;
      },
      { what: 'the link mail to be recorded' },
    );
    expect(after).toMatchObject({ state: 'denied', cycle: 1, linkMail: null, lastLinkMailHour: hour });
    expect(link.to).toEqual(['someone@gmail.com']);
    expect(link.text).toContain(`https://keys.example.com/requests/${id}?token=`);
    expect(h.smtp.messages.map((mail) => mail.messageId)).toEqual([
      `<${id}.denial.c1@llm-key-requestor>`,
      `<${id}.link.c1.h${hour}@llm-key-requestor>`,
    ]);
  });

  it('mints and mails when an admin approves a denied request (a re-issue, a new cycle)', async () => {
    h = await startHarness({ configYaml: config('24h'), store, env: ADMIN_ENV });
    const id = await submitted(h, 'someone@gmail.com', 'gpt-4');
    await settledIn(h, id, 'denied', 1);

    expect((await adminCall(h, 'POST', `/api/admin/requests/${id}/approve`, {})).status).toBe(200);
    const approved = await settledIn(h, id, 'approved', 2);

    expect(trail(approved).slice(-3)).toEqual([
      'admin:root reissued',
      'worker key-minted',
      'worker mail-delivered',
    ]);
    const mail = await mailOf(h, id, 'approval', 2);
    expect(mail.text).toContain(keyOf(h.litellm, approved.keyHash));
    expect(h.litellm.liveKeys()).toHaveLength(1);
    expectNoKeyInUrls(h.litellm);
  });

  it('answers a duplicate POST with one link mail, and no second one within the hour', async () => {
    h = await startHarness({ configYaml: config('24h'), store });
    const id = await submitted(h, 'Dev@Company.com', 'ollama/llama2', { language: 'es' });
    await settledIn(h, id, 'approved', 1);

    const hour = epochHour(Date.now());
    await submittedAgain(h, 'dev@company.com', 'ollama/llama2');
    const link = await linkMailOf(id, hour);
    await submittedAgain(h, 'dev@company.com', 'ollama/llama2');
    // The second POST found the hour's link mail sent: nothing is waiting.
    const after = await h.request(id);
    const sameHour = epochHour(Date.now()) === hour;

    expect(link.to).toEqual(['Dev@company.com']);
    expect(link.subject).toMatch(/solicitud/i);
    expect(after.linkMail).toBe(sameHour ? null : after.linkMail);
    expect(h.smtp.messages.filter((mail) => mail.messageId?.includes('.link.'))).toHaveLength(
      sameHour ? 1 : 2,
    );
  });
});

describe.each(STORE_KINDS)('the plain key at rest on the %s store', (store) => {
  it('is gone from the store once the approval mail is delivered', async () => {
    h = await startHarness({ configYaml: config('24h'), store });
    const id = await submitted(h, 'dev@company.com', 'ollama/llama2');
    const approved = await settledIn(h, id, 'approved');
    const key = keyOf(h.litellm, approved.keyHash);

    expect((await mailOf(h, id, 'approval', 1)).text).toContain(key);
    expect(approved).toMatchObject({ apiKey: null, pendingKey: null, keyHint: key.slice(-4) });
    if (h.kube !== null) {
      const secret = h.kube.fake.storage.get(h.kube.namespace, `llm-key-request-${id}`);
      expect(Object.keys(secret.data ?? {})).not.toContain('api_key');
      expect(JSON.stringify(secret)).not.toContain(Buffer.from(key).toString('base64'));
    } else {
      await waitUntil(
        () =>
          ['requests.db', 'requests.db-wal'].every(
            (file) => !readBytes(join(h.dir, file)).includes(Buffer.from(key)),
          ),
        { what: 'the key to be gone from the SQLite files' },
      );
    }
  });

  it('is kept with retain_api_keys', async () => {
    h = await startHarness({ configYaml: `${config('24h')}retain_api_keys: true\n`, store });
    const id = await submitted(h, 'dev@company.com', 'ollama/llama2');
    const approved = await settledIn(h, id, 'approved');
    expect(approved.apiKey).toBe(keyOf(h.litellm, approved.keyHash));
  });
});

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}
