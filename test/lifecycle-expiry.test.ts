import { afterEach, describe, expect, it } from 'vitest';
import {
  deleteOnLiteLlm,
  expectNoKeyInUrls,
  keyOf,
  mailOf,
  mailsOf,
  settledIn,
  submitted,
  submittedAgain,
  trail,
} from './support/lifecycle.js';
import { type Harness, STORE_KINDS, startHarness } from './support/service-harness.js';
import { waitUntil } from './support/wait.js';

// A key's whole life on both stores: minted with a short duration, reminded once, expired by the
// worker, renewed by a new POST (the same key extended while LiteLLM has it, a new one once it
// is gone), with exactly one approval mail per cycle.

const MODEL = 'ollama/llama2';
/** Keys live 6 s; the reminder is due 4 s before that, so 2 s after the key is issued. */
const CONFIG = `
models: [{id: ${MODEL}, title: Llama 2}]
litellm:
  enable_litellm_models: false
  key_defaults: {duration: 6s}
approval_plugins:
  - {name: whitelist, config: {list: ["ollama/*"]}}
lifecycle: {remind_before: 4s}
public_url: https://keys.example.com
`;

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe.each(STORE_KINDS)('key expiry, reminder and renewal on the %s store', (store) => {
  it('reminds once, expires, extends the same key on a new POST, and mints a new one once LiteLLM lost it', async () => {
    // The clock-driven duties are found by the worker's passes, not woken by a request.
    h = await startHarness({ configYaml: CONFIG, store, env: { APPROVAL_QUEUE_INTERVAL: '200ms' } });
    const email = 'dev@example.com';
    const id = await submitted(h, email, MODEL);

    // Cycle 1: minted with LiteLLM's expiry, mailed with the key.
    const first = await settledIn(h, id, 'approved', 1);
    const key = keyOf(h.litellm, first.keyHash);
    const expires = Date.parse(first.expiresAt ?? '');
    expect(expires - Date.parse(first.updatedAt)).toBeGreaterThan(4_000);
    expect(expires - Date.parse(first.updatedAt)).toBeLessThanOrEqual(6_500);
    expect((await mailOf(h, id, 'approval', 1)).text).toContain(key);
    const reminder = await mailOf(h, id, 'reminder', 1);
    expect(reminder.text).toContain(`https://keys.example.com/requests/${id}?token=`);
    const expired = await settledIn(h, id, 'expired', 1);
    expect(trail(expired).slice(-2)).toEqual(['worker mail-delivered', 'worker expired']);
    expect(expired.remindedCycle).toBe(1);

    // Cycle 2: a new POST renews; LiteLLM still has the (expired) key, so it is extended.
    await submittedAgain(h, email, MODEL);
    const second = await settledIn(h, id, 'approved', 2);
    expect(second.keyHash).toBe(first.keyHash);
    expect(Date.parse(second.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(h.litellm.allKeys().map((record) => record.token)).toEqual([first.keyHash]);
    expect(h.litellm.calls.filter((call) => call.path === '/key/update').map((call) => call.body)).toEqual([
      { key: first.keyHash, duration: '6s' },
    ]);
    const extension = await mailOf(h, id, 'approval', 2);
    expect(extension.text).toContain(`ending in ${key.slice(-4)} was extended until`);
    expect(extension.text).not.toContain(key);
    expect(trail(second).slice(-5)).toEqual([
      'worker expired',
      'requester renewal-requested',
      'plugin:whitelist decided',
      'worker key-extended',
      'worker mail-delivered',
    ]);
    await mailOf(h, id, 'reminder', 2);
    await settledIn(h, id, 'expired', 2);

    // Cycle 3: the key was deleted at the proxy meanwhile, so a new one is minted and mailed.
    await deleteOnLiteLlm(h.litellm, first.keyHash ?? '');
    await submittedAgain(h, email, MODEL);
    const third = await settledIn(h, id, 'approved', 3);
    expect(third.keyHash).not.toBe(first.keyHash);
    const newKey = keyOf(h.litellm, third.keyHash);
    expect(h.litellm.allKeys().map((record) => record.key)).toEqual([newKey]);
    expect((await mailOf(h, id, 'approval', 3)).text).toContain(newKey);
    expect(trail(third).slice(-2)).toEqual(['worker key-minted', 'worker mail-delivered']);

    // One approval mail per cycle, one reminder per reminded cycle, nothing twice.
    for (const cycle of [1, 2, 3]) {
      expect(mailsOf(h, id, 'approval', cycle)).toHaveLength(1);
    }
    for (const cycle of [1, 2]) {
      expect(mailsOf(h, id, 'reminder', cycle)).toHaveLength(1);
    }
    const ids = h.smtp.messages.map((mail) => mail.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expectNoKeyInUrls(h.litellm);
  }, 90_000);

  it('sends no reminder with remind_before 0, and still expires the key', async () => {
    h = await startHarness({
      configYaml: CONFIG.replace('remind_before: 4s', 'remind_before: 0'),
      store,
      env: { APPROVAL_QUEUE_INTERVAL: '200ms' },
    });
    const id = await submitted(h, 'dev@example.com', MODEL);
    await settledIn(h, id, 'expired', 1);
    await waitUntil(() => mailsOf(h, id, 'approval', 1).length === 1, { what: 'the approval mail' });
    expect(h.smtp.messages.map((mail) => mail.messageId)).toEqual([`<${id}.approval.c1@llm-key-requestor>`]);
  }, 60_000);
});
