import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino, { type Logger } from 'pino';
import { createService, type Service } from '../../src/composition-root.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { KeyRequest } from '../../src/requests/request-types.js';
import { type FakeKubernetes, startFakeKubernetes } from './fake-kubernetes.js';
import { type FakeLiteLlm, startFakeLiteLlm } from './fake-litellm.js';
import { type TempKubeconfig, writeTempKubeconfig } from './kubeconfig.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

export interface HarnessOptions {
  /** config.yaml content; defaults to a small model list and no plugins. */
  configYaml?: string;
  env?: Record<string, string>;
  /** Share fakes between several services (e.g. two workers on one SQLite file). */
  litellm?: FakeLiteLlm;
  smtp?: SmtpSink;
  /** Directory holding config and SQLite file; shared when several services use one store. */
  dir?: string;
  startWorker?: boolean;
  /** Where the service logs; silent unless TEST_LOG_LEVEL is set. */
  logger?: Logger;
  /** Which store the service runs on: SQLite (default) or Secrets on a fake Kubernetes API
   * server started for it (`kube`, with a kubeconfig for the real kubectl). */
  store?: StoreKind;
}

export const STORE_KINDS = ['sqlite', 'kubernetes'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The Kubernetes side of a harness on the Secret store. */
export interface KubeWorld {
  fake: FakeKubernetes;
  namespace: string;
  kubeconfig: TempKubeconfig;
  /** Runs the real kubectl against the fake (asynchronously: the fake serves from this process). */
  kubectl(...args: string[]): Promise<string>;
}

export interface Harness {
  url: string;
  service: Service;
  config: AppConfig;
  litellm: FakeLiteLlm;
  smtp: SmtpSink;
  dir: string;
  /** Set when the service runs on the Kubernetes store. */
  kube: KubeWorld | null;
  /** POST /api/request-key; returns status and parsed body. `extra` adds fields (`language`). */
  submit(
    email: string,
    llm: string,
    extra?: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The stored request; throws if it does not exist. */
  request(id: string): Promise<KeyRequest>;
  /** Waits until the worker has finished with the request (handled and released). */
  settled(id: string): Promise<KeyRequest>;
  close(): Promise<void>;
}

export const DEFAULT_CONFIG = `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: ollama/llama2, title: Llama 2}
  - {id: claude-3, title: Claude 3}
  - {id: mistral-7b, title: Mistral 7B, featured: true, key: {rpm_limit: 10, metadata: {tier: small}}}
litellm:
  enable_litellm_models: false
  key_defaults: {max_budget: 5, duration: 30d, metadata: {team: platform}}
`;

/** gpt-4 is parked for review, ollama/* approved automatically: the admin tests' chain. */
export const REVIEW_CONFIG = `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: ollama/llama2, title: Llama 2}
litellm: {enable_litellm_models: false}
approval_plugins:
  - {name: review, config: {patterns: ["gpt-4"]}}
  - {name: whitelist, config: {list: ["ollama/*"]}}
`;

/** Admin credentials for the admin API and /mcp, as env and as an Authorization header. */
export const ADMIN_ENV = { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'correct horse' };
export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const ADMIN_AUTH = basicAuth(ADMIN_ENV.ADMIN_USERNAME, ADMIN_ENV.ADMIN_PASSWORD);

/** Starts the real service (real composition root, real HTTP listener on 127.0.0.1:0)
 * against a fake LiteLLM and a real SMTP server. Always call close(). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'lkr-service-'));
  const litellm = options.litellm ?? (await startFakeLiteLlm({ masterKey: 'sk-master-test' }));
  const smtp = options.smtp ?? (await startSmtpSink());
  const configFile = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(configFile, options.configYaml ?? DEFAULT_CONFIG);
  const kube = options.store === 'kubernetes' ? await startKubeWorld() : null;
  const config = loadConfig({
    cwd: dir,
    env: {
      CONFIG_FILE: configFile,
      SQLITE_PATH: join(dir, 'requests.db'),
      LITELLM_BASE_URL: litellm.url,
      LITELLM_API_KEY: litellm.masterKey,
      LITELLM_GATEWAY_URL: 'https://llm.example.com',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      SMTP_USE_TLS: 'false',
      SMTP_FROM: 'portal@example.com',
      APPROVAL_QUEUE_INTERVAL: '30s',
      HOST: '127.0.0.1',
      PORT: '0',
      ...(kube === null ? {} : { STATE_STORE: 'kubernetes', KUBERNETES_NAMESPACE: kube.namespace }),
      ...options.env,
    },
  });
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  // The Kubernetes client reads KUBECONFIG from the process environment, as in production.
  const savedKubeconfig = process.env.KUBECONFIG;
  if (kube !== null) {
    process.env.KUBECONFIG = kube.kubeconfig.path;
  }
  const service = await createService(config, logger).finally(() => {
    restoreEnv('KUBECONFIG', savedKubeconfig);
  });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  if (options.startWorker !== false) {
    service.worker.start();
  }
  const address = service.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    service,
    config,
    litellm,
    smtp,
    dir,
    kube,
    async submit(email, llm, extra = {}) {
      const response = await fetch(`${url}/api/request-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, llm, ...extra }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async request(id) {
      const request = await service.store.get(id);
      if (!request) {
        throw new Error(`request ${id} missing`);
      }
      return request;
    },
    settled(id) {
      return waitUntil(
        async () => {
          const request = await service.store.get(id);
          return request && request.handledState === request.state && request.work.owner === null
            ? request
            : null;
        },
        { what: `request ${id} to settle` },
      );
    },
    async close() {
      await service.close();
      if (!options.litellm) {
        await litellm.close();
      }
      if (!options.smtp) {
        await smtp.close();
      }
      if (kube !== null) {
        await kube.fake.close();
        await kube.kubeconfig.remove();
      }
      if (ownsDir) {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}

async function startKubeWorld(): Promise<KubeWorld> {
  const namespace = 'llm-keys';
  const fake = await startFakeKubernetes();
  const kubeconfig = await writeTempKubeconfig({ server: fake.url, namespace });
  return {
    fake,
    namespace,
    kubeconfig,
    async kubectl(...args) {
      const { stdout } = await run(
        'kubectl',
        ['--kubeconfig', kubeconfig.path, '--cache-dir', join(kubeconfig.dir, 'cache'), ...args],
        { timeout: 30_000, env: { PATH: process.env.PATH ?? '', HOME: kubeconfig.dir } },
      );
      return stdout;
    },
  };
}
