import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeLiteLlm, startFakeLiteLlm } from './support/fake-litellm.js';
import { connectMcp } from './support/mcp-client.js';
import { createReplicaSet, type ReplicaProcess, type ReplicaSet } from './support/replica-process.js';
import { runEntry } from './support/run-entry.js';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.js';
import { waitUntil } from './support/wait.js';

/** Switching from the original Python service by changing the image and nothing else: the
 * real server process, started with a config laid out like the original's shipped config.yaml
 * (and like its Helm chart's default), every environment variable the original reads, and a
 * `.env` in the working directory. It must start, list the models and decide requests. */

/** Each test starts a server process (and the second a CLI process too) on a loaded machine. */
const PROCESS_TEST_MS = 90_000;
const DATA = join(import.meta.dirname, 'fixtures', 'original-service');
const SHIPPED_CONFIG = readFileSync(join(DATA, 'config.yaml'), 'utf8');
const HELM_CONFIG = readFileSync(join(DATA, 'helm-default-config.yaml'), 'utf8');
const CONFIGURED_IDS = [
  'openai-gpt4',
  'openai-gpt3.5',
  'claude-3',
  'gemini-pro',
  'llama-2',
  'mistral-7b',
  'grok',
  'cohere-command',
];
const MCP_KEY = 'mcp-key-of-the-deployment-0123456789';
const SMTP_AUTH = { user: 'mailer', pass: 'smtp-secret-0123' };

let replicas: ReplicaSet | undefined;
let litellm: FakeLiteLlm | undefined;
let smtp: SmtpSink | undefined;
let dir: string | undefined;
afterEach(async () => {
  await replicas?.cleanup();
  await litellm?.close();
  await smtp?.close();
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
  replicas = undefined;
  litellm = undefined;
  smtp = undefined;
  dir = undefined;
});

async function world() {
  litellm = await startFakeLiteLlm({
    masterKey: 'sk-master-of-the-proxy',
    models: ['gpt-4o-mini', 'claude-3'],
  });
  smtp = await startSmtpSink({ starttls: true, auth: SMTP_AUTH });
  dir = mkdtempSync(join(tmpdir(), 'lkr-drop-in-'));
  replicas = createReplicaSet();
  return { litellm, smtp, dir, replicas };
}

async function submit(replica: ReplicaProcess, email: string, llm: string) {
  const response = await fetch(`${replica.url}/api/request-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ llm, email }),
  });
  expect(response.status).toBe(200);
  return String(((await response.json()) as { request_id: string }).request_id);
}

async function state(replica: ReplicaProcess, id: string): Promise<string> {
  const response = await fetch(`${replica.url}/api/requests/${id}`);
  return String(((await response.json()) as { status: string }).status);
}

async function modelIds(replica: ReplicaProcess, path: string): Promise<string[]> {
  const response = await fetch(`${replica.url}${path}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { models: { id: string }[] }).models.map((model) => model.id);
}

describe("the original service's configuration, unchanged", () => {
  it(
    'its shipped config.yaml, every variable it reads and a .env: starts, lists models, decides requests',
    async () => {
      const { litellm, smtp, dir, replicas } = await world();
      // The variables its settings library read, in a .env file as it allowed (one in lower case:
      // it matched those names in any case); the process environment wins over the file.
      writeFileSync(
        join(dir, '.env'),
        [
          `litellm_base_url=${litellm.url}`,
          'LITELLM_API_KEY=sk-master-of-the-proxy',
          'LITELLM_GATEWAY_URL=https://llm.example.com',
          'ENABLE_LITELLM_MODELS=on',
          'CORS_ORIGINS=http://localhost:5174',
          'SMTP_HOST=overridden-by-the-process-environment',
        ].join('\n'),
      );
      const replica = await replicas.start({
        name: 'shipped-config',
        configYaml: SHIPPED_CONFIG,
        cwd: dir,
        env: {
          SQLITE_PATH: join(dir, 'requests.db'),
          // Set by its compose file and chart; nothing reads it.
          CONFIG: '/app/config.yaml',
          PYTHONUNBUFFERED: '1',
          MCP_API_KEY: MCP_KEY,
          ADMIN_USERNAME: 'ops',
          ADMIN_PASSWORD: 'a-long-admin-password',
          SMTP_HOST: smtp.host,
          SMTP_PORT: String(smtp.port),
          SMTP_USER: SMTP_AUTH.user,
          SMTP_PASSWORD: SMTP_AUTH.pass,
          SMTP_FROM: 'keys@example.com',
          SMTP_USE_TLS: 'false',
          SMTP_START_TLS: 'true',
          SMTP_VERIFY_SSL: 'false',
          APPROVAL_QUEUE_INTERVAL: '5m',
          KUBERNETES_NAMESPACE: 'llm',
        },
      });

      const health = await fetch(`${replica.url}/health`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'healthy' }]);
      expect(
        await (await fetch(`${replica.url}/`, { headers: { accept: 'application/json' } })).json(),
      ).toEqual({
        message: 'LLM Key Requestor API',
        status: 'active',
      });
      // The configured models, then the proxy's (the config wins on claude-3).
      expect(await modelIds(replica, '/api/models')).toEqual([...CONFIGURED_IDS, 'gpt-4o-mini']);
      expect(await modelIds(replica, '/api/featured-models')).toEqual([
        'claude-3',
        'openai-gpt4',
        'gemini-pro',
      ]);

      // Its one plugin: email *@example.com approves, anything else is denied.
      const approved = await submit(replica, 'alice@example.com', 'openai-gpt4');
      const denied = await submit(replica, 'bob@elsewhere.org', 'claude-3');
      const approval = await smtp.waitFor((m) => m.subject === 'API Key Approved for openai-gpt4', 20_000);
      expect(approval.secure).toBe(true);
      expect(approval.user).toBe(SMTP_AUTH.user);
      expect(approval.from).toBe('keys@example.com');
      expect(approval.text).toContain('https://llm.example.com');
      expect(litellm.liveKeys().map((key) => key.alias)).toEqual(['user-alice@example.com-openai-gpt4']);
      await smtp.waitFor((m) => m.subject === 'API Key Request Denied for claude-3', 20_000);
      await waitUntil(
        async () =>
          (await state(replica, approved)) === 'approved' && (await state(replica, denied)) === 'denied',
        {
          what: 'both requests decided',
        },
      );

      // Its admin app signs in with the admin variables, and its MCP clients use the key at /mcp/.
      const verify = await fetch(`${replica.url}/api/admin/verify`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('ops:a-long-admin-password').toString('base64')}`,
          'content-type': 'application/json',
        },
      });
      expect(await verify.json()).toEqual({ authenticated: true, username: 'ops' });
      const mcp = await connectMcp(new URL('/mcp/', replica.url), `Bearer ${MCP_KEY}`, []);
      try {
        const listed = await mcp.callTool({ name: 'list_models', arguments: { ctx: null } });
        expect((listed.structuredContent as { result: unknown[] }).result).toHaveLength(9);
      } finally {
        await mcp.close();
      }

      // Start-up said what it thought of the SMTP settings: encrypted, but certificates unchecked.
      const warnings = replica.logs
        .filter((line) => line.json?.level === 40)
        .map((line) => String(line.json?.msg));
      expect(warnings.some((text) => /not verified/.test(text))).toBe(true);
      expect(warnings.some((text) => /clear text/.test(text))).toBe(false);
      for (const line of replica.logs) {
        expect(line.text).not.toContain(SMTP_AUTH.pass);
        expect(line.text).not.toContain('sk-master-of-the-proxy');
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    "its Helm chart's default config and environment: starts, and denies every request as the original did",
    async () => {
      const { litellm, smtp, dir, replicas } = await world();
      const env = {
        SQLITE_PATH: join(dir, 'requests.db'),
        CONFIG: '/app/config.yaml',
        PYTHONUNBUFFERED: '1',
        // admin.auth.* of the chart, injected when admin.enabled.
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: 'change-me-in-production',
        // backend.corsOrigins
        CORS_ORIGINS: 'https://admin.example.com;https://app.example.com',
        // backend.extraEnv, as an operator fills it in.
        LITELLM_BASE_URL: litellm.url,
        LITELLM_API_KEY: 'sk-master-of-the-proxy',
        LITELLM_GATEWAY_URL: 'https://llm.example.com',
        MCP_API_KEY: MCP_KEY,
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_USER: SMTP_AUTH.user,
        SMTP_PASSWORD: SMTP_AUTH.pass,
        SMTP_USE_TLS: 'False',
        SMTP_START_TLS: 'True',
        SMTP_VERIFY_SSL: 'False',
      };
      const replica = await replicas.start({ name: 'helm-default', configYaml: HELM_CONFIG, env });

      expect((await fetch(`${replica.url}/health`)).status).toBe(200);
      expect(await modelIds(replica, '/api/models')).toEqual([...CONFIGURED_IDS, 'gpt-4o-mini']);
      const id = await submit(replica, 'carol@example.com', 'grok');
      const denial = await smtp.waitFor((m) => m.subject === 'API Key Request Denied for grok', 20_000);
      expect(denial.text).toContain('No approval plugins configured');
      expect(await state(replica, id)).toBe('denied');

      // check-config on the same settings: it starts too, and says what differs and what to fix.
      const configFile = join(dir, 'helm-config.yaml');
      writeFileSync(configFile, HELM_CONFIG);
      const check = await runEntry('src/cli/main.ts', ['check-config'], { ...env, CONFIG_FILE: configFile });
      expect(check.stderr).toBe('');
      expect(check.code).toBe(0);
      expect(check.stdout).toContain('plugins    approval_plugins: none');
      expect(check.stdout).toContain('smtp: STARTTLS, required (use_tls false, start_tls true, port');
      expect(check.stdout).toMatch(
        /WARNINGS:\n(.*\n)* {2}- admin\.password \/ ADMIN_PASSWORD is the original service's example value/,
      );
      expect(check.stdout).toMatch(/configuration OK\n$/);
    },
    PROCESS_TEST_MS,
  );
});
