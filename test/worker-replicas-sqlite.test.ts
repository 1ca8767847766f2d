import { afterEach, describe, expect, it } from 'vitest';
import { startFakeLiteLlm } from './support/fake-litellm.js';
import { type Harness, startHarness } from './support/service-harness.js';
import { startSmtpSink } from './support/smtp-sink.js';

const CONFIG = `
models:
  - {id: ollama/llama2, title: Llama 2}
litellm: {enable_litellm_models: false}
approval: {concurrency: 8}
approval_plugins:
  - {name: whitelist, config: {list: ["ollama/*"]}}
`;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

describe('two workers on one SQLite file', () => {
  it('turns 200 pending requests into 200 keys and 200 mails, with no duplicates', async () => {
    const litellm = await startFakeLiteLlm({ masterKey: 'sk-master-test' });
    const smtp = await startSmtpSink();
    cleanups.push(
      () => litellm.close(),
      () => smtp.close(),
    );

    // The requests are stored first, with no worker running, so both workers race for the whole backlog.
    const a: Harness = await startHarness({ configYaml: CONFIG, litellm, smtp, startWorker: false });
    cleanups.push(() => a.close());
    const b: Harness = await startHarness({
      configYaml: CONFIG,
      litellm,
      smtp,
      dir: a.dir,
      startWorker: false,
    });
    cleanups.push(() => b.close());
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { request } = await a.service.store.create({
        email: `user${i}@example.com`,
        model: 'ollama/llama2',
      });
      ids.push(request.id);
    }

    a.service.worker.start();
    b.service.worker.start();
    const mails = await smtp.waitForCount(200, 120_000);

    const requests = await Promise.all(ids.map((id) => a.service.store.get(id)));
    expect(requests.every((r) => r?.state === 'approved' && r.keyHash !== null)).toBe(true);
    const live = litellm.liveKeys();
    expect(live).toHaveLength(200);
    expect(new Set(live.map((k) => k.token))).toEqual(new Set(requests.map((r) => r?.keyHash)));
    // Each mail carries the key its request records (by hash).
    const keyOf = new Map(live.map((k) => [k.token, k.key]));
    for (const request of requests) {
      const mail = mails.find((m) => m.messageId === `<${request?.id}.approval.c1@llm-key-requestor>`);
      expect(mail?.text).toContain(keyOf.get(request?.keyHash ?? '') ?? 'no key');
    }
    expect(new Set(live.map((k) => k.alias)).size).toBe(200);
    expect(mails).toHaveLength(200);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(200);
    expect(new Set(mails.map((m) => m.to[0])).size).toBe(200);
    // One mint per request: no retry was needed and no key was minted twice.
    const generate = litellm.calls.filter((c) => c.path === '/key/generate');
    expect(generate).toHaveLength(200);
  });
});
