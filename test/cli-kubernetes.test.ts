import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKubernetesStore } from '../src/store/kubernetes/kubernetes-store.js';
import type { RequestStore } from '../src/store/request-store.js';
import { type FakeKubernetes, startFakeKubernetes } from './support/fake-kubernetes.js';
import { type TempKubeconfig, testKubeConfig, writeTempKubeconfig } from './support/kubeconfig.js';
import { type EntryRun, runEntry } from './support/run-entry.js';

const NAMESPACE = 'llm-keys';
const LIVE_KEY = 'sk-kube-live-5b0d3e8a71c24f69-c0de';

function runCli(args: string[], env: Record<string, string>): Promise<EntryRun> {
  return runEntry('src/cli/main.ts', args, env);
}

interface World {
  kube: FakeKubernetes;
  kubeconfig: TempKubeconfig;
  dir: string;
  /** The test's own view of the Secrets, through the real store. */
  store: RequestStore;
  env: Record<string, string>;
}

let world: World;

beforeEach(async () => {
  const kube = await startFakeKubernetes();
  const kubeconfig = await writeTempKubeconfig({ server: kube.url, namespace: NAMESPACE });
  const dir = await mkdtemp(join(tmpdir(), 'lkr-cli-kube-'));
  await writeFile(join(dir, 'config.yaml'), 'models: [{id: gpt-4o, title: GPT-4o}]\n');
  world = {
    kube,
    kubeconfig,
    dir,
    store: createKubernetesStore({
      namespace: NAMESPACE,
      kubeConfig: testKubeConfig({ server: kube.url, namespace: NAMESPACE }),
      logger: pino({ level: 'silent' }),
    }),
    env: {
      CONFIG_FILE: join(dir, 'config.yaml'),
      STATE_STORE: 'kubernetes',
      KUBECONFIG: kubeconfig.path,
      KUBERNETES_NAMESPACE: NAMESPACE,
      HOME: kubeconfig.dir,
      USER: 'ops-kim',
    },
  };
});

afterEach(async () => {
  await world.store.close();
  await world.kube.close();
  await world.kubeconfig.remove();
  await rm(world.dir, { recursive: true, force: true });
});

describe('llm-key-requestor on the Kubernetes store', () => {
  it('lists the Secrets and approves one: its request-state label becomes approved', async () => {
    const parked = (await world.store.create({ email: 'dev@company.com', model: 'gpt-4o' })).request;
    const review = await world.store.update(parked.id, parked.version, {
      state: 'in-review',
      handledState: 'in-review',
      reason: 'Model "gpt-4o" requires admin review',
    });
    expect(review.ok).toBe(true);
    const live = (await world.store.create({ email: 'ops@company.com', model: 'gpt-4o' })).request;
    const approved = await world.store.update(live.id, live.version, {
      state: 'approved',
      handledState: 'approved',
      apiKey: LIVE_KEY,
    });
    expect(approved.ok).toBe(true);

    const [table, json] = await Promise.all([
      runCli(['list'], world.env),
      runCli(['list', '--filter', 'review', '--json'], world.env),
    ]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${parked.id} .* dev@company\\.com +gpt-4o +in-review `, 'm'));
    expect(table.stdout).toMatch(
      new RegExp(`^${live.id} .* ops@company\\.com +gpt-4o +approved .*sk-…c0de`, 'm'),
    );
    expect(table.stdout).not.toContain(LIVE_KEY);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).requests.map((r: { request_id: string }) => r.request_id)).toEqual([
      parked.id,
    ]);

    const approve = await runCli(['approve', parked.id], world.env);
    expect(approve.stderr).toBe('');
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(
      `Approved ${parked.id} (dev@company.com, gpt-4o): Approved by an administrator`,
    );
    const secret = world.kube.storage.get(NAMESPACE, `llm-key-request-${parked.id}`);
    expect(secret.metadata.labels?.['request-state']).toBe('approved');
    expect(await world.store.get(parked.id)).toMatchObject({
      state: 'approved',
      reason: 'Approved by an administrator',
      apiKey: null,
    });
    expect((await world.store.get(parked.id))?.history.at(-1)).toMatchObject({
      actor: 'cli:ops-kim',
      action: 'approved',
      from: 'in-review',
      to: 'approved',
    });
  });

  it('exits 1 naming the cause when the API server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await writeTempKubeconfig({
      server: `http://127.0.0.1:${port}`,
      namespace: NAMESPACE,
    });
    try {
      const { code, stdout, stderr } = await runCli(['list'], { ...world.env, KUBECONFIG: unreachable.path });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        /^llm-key-requestor: the request store is unavailable: .*cannot reach the API server/,
      );
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await unreachable.remove();
    }
  });
});
