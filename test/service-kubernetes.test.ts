import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createService, type Service } from '../src/composition-root.js';
import { loadConfig } from '../src/config/load-config.js';
import { type FakeKubernetes, type SecretObject, startFakeKubernetes } from './support/fake-kubernetes.js';
import { parseLabelSelector } from './support/fake-kubernetes-selector.js';
import { type FakeLiteLlm, startFakeLiteLlm } from './support/fake-litellm.js';
import { type TempKubeconfig, writeTempKubeconfig } from './support/kubeconfig.js';
import { startTcpRelay, type TcpRelay } from './support/replica-tcp-relay.js';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.js';
import { waitUntil } from './support/wait.js';
import { moreWorkerPasses } from './support/worker-passes.js';

const run = promisify(execFile);
const NAMESPACE = 'llm-keys';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const CONFIG = `
models:
  - {id: gpt-4o, title: GPT-4o}
  - {id: claude-3-opus, title: Claude 3 Opus}
litellm: {enable_litellm_models: false}
approval: {queue_interval: 500ms, claim_timeout: 5s}
approval_plugins:
  - {name: review, config: {patterns: ["claude-*"]}}
  - {name: whitelist, config: {list: ["gpt-*"]}}
admin: {notify: [reviewer@example.com]}
`;
const WHITELISTED = 'Model "gpt-4o" is approved automatically (matches whitelist pattern "gpt-*")';

/** The service, in this process, on the Kubernetes store. The fakes live here too, so
 * everything outside (kubectl) is driven asynchronously. The store reaches the API
 * server through a relay the test can cut to make it unreachable. */
interface World {
  kube: FakeKubernetes;
  relay: TcpRelay;
  litellm: FakeLiteLlm;
  smtp: SmtpSink;
  kubeconfig: TempKubeconfig;
  dir: string;
  service: Service | null;
  url: string;
  logs: Record<string, unknown>[];
}

let world: World;
const savedKubeconfig = process.env.KUBECONFIG;

beforeEach(async () => {
  const kube = await startFakeKubernetes();
  const relay = await startTcpRelay(kube.url);
  world = {
    kube,
    relay,
    litellm: await startFakeLiteLlm({ masterKey: 'sk-master-service' }),
    smtp: await startSmtpSink(),
    kubeconfig: await writeTempKubeconfig({ server: relay.url, namespace: NAMESPACE }),
    dir: await mkdtemp(join(tmpdir(), 'lkr-service-kube-')),
    service: null,
    url: '',
    logs: [],
  };
});

afterEach(async () => {
  await world.service?.close();
  if (savedKubeconfig === undefined) {
    delete process.env.KUBECONFIG;
  } else {
    process.env.KUBECONFIG = savedKubeconfig;
  }
  await world.relay.close();
  await Promise.all([world.kube.close(), world.litellm.close(), world.smtp.close()]);
  await world.kubeconfig.remove();
  await rm(world.dir, { recursive: true, force: true });
});

/** The real composition root with STATE_STORE=kubernetes; its JSON log goes to `world.logs`. */
async function startService({ startWorker = true } = {}): Promise<void> {
  const configFile = join(world.dir, 'config.yaml');
  await writeFile(configFile, CONFIG);
  const config = loadConfig({
    cwd: world.dir,
    env: {
      CONFIG_FILE: configFile,
      STATE_STORE: 'kubernetes',
      KUBERNETES_NAMESPACE: NAMESPACE,
      LITELLM_BASE_URL: world.litellm.url,
      LITELLM_API_KEY: world.litellm.masterKey,
      LITELLM_GATEWAY_URL: 'https://llm.example.com',
      SMTP_HOST: world.smtp.host,
      SMTP_PORT: String(world.smtp.port),
      SMTP_USE_TLS: 'false',
      SMTP_FROM: 'portal@example.com',
    },
  });
  // loadKubeConfig() reads KUBECONFIG from the process environment, as in production.
  process.env.KUBECONFIG = world.kubeconfig.path;
  const sink = {
    write(line: string) {
      world.logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  const service = await createService(config, pino({ level: 'info' }, sink));
  world.service = service;
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const address = service.app.server.address();
  world.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  if (startWorker) {
    service.worker.start();
  }
}

async function post(email: string, llm: string) {
  const response = await fetch(`${world.url}/api/request-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, llm }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(path: string) {
  const response = await fetch(`${world.url}${path}`);
  return { status: response.status, text: await response.text() };
}

function requestSecrets(): SecretObject[] {
  return world.kube.storage.list({
    namespace: NAMESPACE,
    labels: parseLabelSelector('app.kubernetes.io/component=llm-key-request'),
    fields: [],
    limit: undefined,
    continueToken: undefined,
  }).items;
}

function secretOf(id: string): SecretObject | undefined {
  return requestSecrets().find((secret) => secret.metadata.name === `llm-key-request-${id}`);
}

function decoded(secret: SecretObject | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
  );
}

/** Settled: the worker has done everything the state asks for and let go of the lease. */
function settled(secret: SecretObject | undefined, state: string): boolean {
  const labels = secret?.metadata.labels ?? {};
  return (
    labels['request-state'] === state &&
    labels['llm-key-requestor/handled-state'] === state &&
    secret?.metadata.annotations?.['llm-key-requestor/lease-owner'] === undefined
  );
}

async function kubectl(...args: string[]): Promise<string> {
  const { kubeconfig } = world;
  const { stdout } = await run(
    'kubectl',
    ['--kubeconfig', kubeconfig.path, '--cache-dir', join(kubeconfig.dir, 'cache'), ...args],
    { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: kubeconfig.dir } },
  );
  return stdout;
}

describe('the service on the Kubernetes Secret store', () => {
  it('stores a request as a Secret in the documented layout, answers a repeat with the same id, and reports its status', async () => {
    await startService({ startWorker: false });

    const first = await post('  Alice@Example.COM ', 'gpt-4o');
    expect(first.status).toBe(200);
    // The whitelist decides as the request is submitted: the Secret is created approved, in one
    // write (docs/design.md, "Deciding at submission"); the worker reserves and mints its key.
    expect(first.body).toMatchObject({ success: true, status: 'approved' });
    const id = String(first.body.request_id);
    expect(id).toMatch(UUID);

    const secret = secretOf(id);
    expect(secret?.type).toBe('Opaque');
    expect(secret?.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'llm-key-requestor',
      'app.kubernetes.io/component': 'llm-key-request',
      'request-state': 'approved',
      'llm-key-requestor/email-hash': createHash('sha256')
        .update('alice@example.com')
        .digest('hex')
        .slice(0, 63),
    });
    const annotations = secret?.metadata.annotations ?? {};
    expect(annotations).toMatchObject({
      'app.kubernetes.io/component': 'llm-key-request',
      email: 'alice@example.com',
      state: 'approved',
      model: 'gpt-4o',
      reason: WHITELISTED,
    });
    expect(Date.parse(annotations.created_at ?? '')).not.toBeNaN();
    expect(Date.parse(annotations.updated_at ?? '')).not.toBeNaN();
    const data = decoded(secret);
    expect(data).toEqual({
      request_id: id,
      email: 'alice@example.com',
      notify_email: 'Alice@Example.COM',
      model: 'gpt-4o',
      state: 'approved',
      cycle: '1',
      history: data.history,
    });
    expect(JSON.parse(data.history ?? '')).toEqual([
      {
        at: annotations.created_at,
        actor: 'requester',
        action: 'created',
        from: null,
        to: 'pending',
        reason: null,
      },
      {
        at: annotations.created_at,
        actor: 'plugin:whitelist',
        action: 'decided',
        from: 'pending',
        to: 'approved',
        reason: WHITELISTED,
      },
    ]);

    // A repeat tells nothing about the request it found (no enumeration).
    const again = await post('alice@example.com', 'gpt-4o');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ success: true, request_id: null });
    expect(again.body).not.toHaveProperty('status');
    expect(requestSecrets()).toHaveLength(1);

    const status = await get(`/api/requests/${id}`);
    expect(status.status).toBe(200);
    expect(JSON.parse(status.text)).toEqual({ request_id: id, status: 'approved' });
    const mine = await get(`/api/requests/${id}?token=${String(first.body.token)}`);
    const body = JSON.parse(mine.text) as Record<string, unknown>;
    expect(body).toMatchObject({ request_id: id, model: 'gpt-4o', status: 'approved', cycle: 1 });
    expect(mine.text).not.toContain('alice');
    expect((await get('/api/requests/00000000-0000-8000-8000-000000000000')).status).toBe(404);

    // The worker takes it from there: approved, one key, recorded in the Secret, mailed.
    world.service?.worker.start();
    // Mails go to the address as typed; the repeat above also asked for a link mail.
    const mail = await world.smtp.waitFor(
      // (the domain comes back lower-cased: nodemailer normalises it, the local part is kept)
      (m) => m.to.includes('Alice@example.com') && m.subject === 'API Key Approved for gpt-4o',
      15_000,
    );
    await waitUntil(() => settled(secretOf(id), 'approved'), { what: 'the request settled' });
    const [key] = world.litellm.liveKeys();
    expect(world.litellm.liveKeys()).toHaveLength(1);
    // Once mailed, the Secret keeps the key's hash and last four characters, not the key.
    expect(decoded(secretOf(id))).toMatchObject({ key_hash: key?.token, key_hint: key?.key.slice(-4) });
    expect(decoded(secretOf(id)).api_key).toBeUndefined();
    expect(mail.text).toContain(key?.key ?? 'no key');
    const approved = JSON.parse(
      (await get(`/api/requests/${id}?token=${String(first.body.token)}`)).text,
    ) as Record<string, unknown>;
    expect(approved).toMatchObject({
      request_id: id,
      status: 'approved',
      api_key: `sk-…${key?.key.slice(-4)}`,
    });
    expect(String(approved.reason)).toContain('whitelist');
    expect(JSON.stringify(approved)).not.toContain(key?.key ?? 'no key');
  });

  it('mints and mails exactly once after a reviewer approves with kubectl label and annotate', async () => {
    await startService();
    const { body } = await post('bob@example.com', 'claude-3-opus');
    const id = String(body.request_id);
    const name = `llm-key-request-${id}`;

    await world.smtp.waitFor((m) => m.to.includes('reviewer@example.com'), 15_000);
    await waitUntil(() => settled(secretOf(id), 'in-review'), { what: 'the request parked in review' });
    expect(world.litellm.liveKeys()).toHaveLength(0);

    expect(await kubectl('label', 'secret', name, 'request-state=approved', '--overwrite')).toContain(
      `secret/${name} labeled`,
    );
    expect(await kubectl('annotate', 'secret', name, 'state=approved', '--overwrite')).toContain(
      `secret/${name} annotated`,
    );

    const approval = await world.smtp.waitFor((m) => m.to.includes('bob@example.com'), 15_000);
    await waitUntil(() => settled(secretOf(id), 'approved'), { what: 'the request settled as approved' });
    await moreWorkerPasses([world.url], 2);

    const live = world.litellm.liveKeys();
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({
      alias: 'user-bob@example.com-claude-3-opus',
      userId: 'bob@example.com',
      models: ['claude-3-opus'],
    });
    expect(world.litellm.calls.filter((c) => c.path === '/key/generate')).toHaveLength(1);
    const secret = secretOf(id);
    expect(decoded(secret)).toMatchObject({ state: 'approved', key_hash: live[0]?.token });
    expect(decoded(secret).api_key).toBeUndefined();
    expect(secret?.metadata.annotations?.state).toBe('approved');
    expect(approval.subject).toBe('API Key Approved for claude-3-opus');
    expect(approval.messageId).toBe(`<${id}.approval.c1@llm-key-requestor>`);
    expect(approval.text).toContain(live[0]?.key ?? 'no key');
    expect(world.smtp.messages.map((m) => [m.to, m.messageId])).toEqual([
      [['reviewer@example.com'], `<${id}.review.c1@llm-key-requestor>`],
      [['bob@example.com'], `<${id}.approval.c1@llm-key-requestor>`],
    ]);
    const status = JSON.parse((await get(`/api/requests/${id}`)).text) as Record<string, unknown>;
    expect(status.status).toBe('approved');
  });

  it('is not ready while the API server is unreachable or forbids access, and ready again after', async () => {
    await startService({ startWorker: false });
    const ready = async () => (await get('/ready')).status;
    const storeWarnings = () =>
      world.logs
        .filter((entry) => entry.msg === 'Kubernetes store is not ready')
        .map((e) => String(e.reason));
    expect(await ready()).toBe(200);

    await world.relay.cut();
    const down = await get('/ready');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toEqual({ status: 'unavailable' });
    expect(storeWarnings().at(-1)).toMatch(/cannot reach the API server/);

    await world.relay.restore();
    await waitUntil(async () => (await ready()) === 200, { what: 'ready after the API server is back' });
    expect(world.logs.some((entry) => entry.msg === 'Kubernetes API reachable again')).toBe(true);

    const unfault = world.kube.injectFault({ status: 403, pathIncludes: '/secrets' });
    expect(await ready()).toBe(503);
    expect(storeWarnings().at(-1)).toMatch(/forbidden \(403/);
    // While the store cannot be read, a request is refused rather than half-written.
    const refused = await post('carol@example.com', 'gpt-4o');
    expect(refused).toMatchObject({ status: 503, body: { success: false } });

    unfault();
    expect(await ready()).toBe(200);
    expect(requestSecrets()).toHaveLength(0);
    // Readiness changes are logged once each, not on every probe.
    expect(storeWarnings()).toHaveLength(2);
  });

  it('exposes request counts by state and worker activity on /metrics', async () => {
    await startService();
    await post('dave@example.com', 'gpt-4o');
    await post('erin@example.com', 'claude-3-opus');
    await world.smtp.waitForCount(2, 15_000);

    const expected = [
      'llm_key_requestor_requests{state="approved"} 1',
      'llm_key_requestor_requests{state="in-review"} 1',
      'llm_key_requestor_requests{state="pending"} 0',
      'llm_key_requestor_requests{state="denied"} 0',
      'llm_key_requestor_queue_depth 0',
      'llm_key_requestor_store_stats_up 1',
      'llm_key_requestor_approval_decisions_total{plugin="whitelist",decision="APPROVE"} 1',
      'llm_key_requestor_approval_decisions_total{plugin="review",decision="REVIEW"} 1',
      'llm_key_requestor_key_mint_attempts_total{outcome="success"} 1',
    ];
    let text = '';
    await waitUntil(
      async () => {
        const metrics = await get('/metrics');
        text = metrics.text;
        return metrics.status === 200 && expected.every((line) => text.split('\n').includes(line));
      },
      { what: 'the expected metrics' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${text}`);
    });
    expect(text).toMatch(/^llm_key_requestor_mail_attempts_total\{kind="approval",outcome="success"\} 1$/m);
    expect(text).toMatch(/^llm_key_requestor_mail_attempts_total\{kind="review",outcome="success"\} 1$/m);
  });
});
