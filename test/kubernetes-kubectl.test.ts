import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KubernetesStoreHarness, startKubernetesStore } from './support/fake-kubernetes-store.js';
import { type TempKubeconfig, writeTempKubeconfig } from './support/kubeconfig.js';
import { mustUpdate } from './support/must-update.js';

const run = promisify(execFile);
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

let h: KubernetesStoreHarness;
let kubeconfig: TempKubeconfig;

/** Runs the real kubectl against the fake. Asynchronous on purpose: the fake serves from this process. */
async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(
    'kubectl',
    ['--kubeconfig', kubeconfig.path, '--cache-dir', join(kubeconfig.dir, 'cache'), ...args],
    { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: kubeconfig.dir } },
  );
  return stdout;
}

describe('approving by hand with kubectl', () => {
  it('has the kubectl binary (.ci/run installs it)', () => {
    expect(hasKubectl).toBe(true);
  });

  beforeEach(async () => {
    h = await startKubernetesStore();
    kubeconfig = await writeTempKubeconfig({ server: h.fake.url, namespace: h.namespace });
  });
  afterEach(async () => {
    await h.cleanup();
    await kubeconfig.remove();
  });

  it('lists and describes request Secrets without showing their data', async () => {
    const { request } = await h.store.create({ email: 'a@example.com', model: 'gpt-4o' });
    const approved = await mustUpdate(h.store, request, {
      state: 'approved',
      apiKey: 'sk-do-not-print',
      handledState: 'approved',
    });

    const listed = await kubectl('get', 'secrets', '-l', 'app.kubernetes.io/component=llm-key-request');
    // request_id, email, model, state, cycle, history, api_key
    expect(listed).toMatch(new RegExp(`^llm-key-request-${approved.id}\\s+Opaque\\s+7\\s+\\d+s$`, 'm'));
    expect(listed).not.toContain('llm-key-requestor-id-key');

    const described = await kubectl('describe', 'secret', `llm-key-request-${approved.id}`);
    expect(described).toContain('request-state=approved');
    expect(described).toContain('llm-key-requestor/handled-state=approved');
    expect(described).toMatch(/email:\s+a@example\.com/);
    expect(described).toMatch(/api_key:\s+15 bytes/);
    expect(described).not.toContain('sk-do-not-print');
  });

  it('hands a request approved with kubectl label + annotate to the worker', async () => {
    const { request } = await h.store.create({ email: 'a@example.com', model: 'gpt-4o' });
    await mustUpdate(h.store, request, { state: 'in-review', handledState: 'in-review' });
    expect(
      await h.store.claimDue({
        policy: { remindBeforeMs: 0 },
        owner: 'w',
        now: Date.now(),
        leaseMs: 60_000,
        limit: 5,
      }),
    ).toHaveLength(0);
    const name = `llm-key-request-${request.id}`;

    expect(await kubectl('label', 'secret', name, 'request-state=approved', '--overwrite')).toContain(
      `secret/${name} labeled`,
    );
    // The label alone is enough: it wins over the annotation and data. A read shows the change
    // as the next write will record it, so the worker acts on the history as it will be.
    const read = await h.store.get(request.id);
    expect(read).toMatchObject({ state: 'approved', handledState: 'in-review', cycle: 1 });
    expect(read?.history.at(-1)).toMatchObject({
      action: 'external-change',
      from: 'in-review',
      to: 'approved',
    });
    expect(await kubectl('annotate', 'secret', name, 'state=approved', '--overwrite')).toContain(
      `secret/${name} annotated`,
    );

    const claimed = await h.store.claimDue({
      policy: { remindBeforeMs: 0 },
      owner: 'w',
      now: Date.now(),
      leaseMs: 60_000,
      limit: 5,
    });
    expect(claimed.map((r) => [r.id, r.state, r.apiKey])).toEqual([[request.id, 'approved', null]]);
    // The claim, the first write after the label, records the change the service did not make.
    expect(claimed[0]?.history.at(-1)).toMatchObject({
      actor: 'external',
      action: 'external-change',
      from: 'in-review',
      to: 'approved',
    });
    const kinds = h.fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType);
    expect(kinds).toEqual(['application/merge-patch+json', 'application/merge-patch+json']);
  });

  it('does the same for a Secret the old service wrote', async () => {
    const id = '0b0e6f52-3c1d-4a8e-9d7f-6a5b4c3d2e1f';
    h.fake.storage.create(h.namespace, {
      metadata: {
        name: `llm-key-request-${id}`,
        labels: {
          'app.kubernetes.io/name': 'llm-key-requestor',
          'app.kubernetes.io/component': 'llm-key-request',
          'request-state': 'denied',
        },
        annotations: {
          'app.kubernetes.io/component': 'llm-key-request',
          email: 'old@example.com',
          state: 'denied',
          created_at: '2024-05-01T12:00:00.123456',
          updated_at: '2024-05-01T12:00:00.123456',
        },
      },
      type: 'Opaque',
      stringData: { request_id: id, email: 'old@example.com', model: 'gpt-4o', state: 'denied' },
    });
    expect(
      await h.store.claimDue({
        policy: { remindBeforeMs: 0 },
        owner: 'w',
        now: Date.now(),
        leaseMs: 60_000,
        limit: 5,
      }),
    ).toHaveLength(0);

    await kubectl('label', 'secret', `llm-key-request-${id}`, 'request-state=approved', '--overwrite');
    await kubectl('annotate', 'secret', `llm-key-request-${id}`, 'state=approved', '--overwrite');

    const claimed = await h.store.claimDue({
      policy: { remindBeforeMs: 0 },
      owner: 'w',
      now: Date.now(),
      leaseMs: 60_000,
      limit: 5,
    });
    expect(claimed.map((r) => [r.id, r.state, r.handledState])).toEqual([[id, 'approved', 'denied']]);
  });
});
