import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLiteLlm } from '../support/fake-litellm.js';
import { connectMcp } from '../support/mcp-client.js';
import { createReplicaSet, type ReplicaProcess } from '../support/replica-process.js';
import { ADMIN_AUTH, ADMIN_ENV } from '../support/service-harness.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { REPO_ROOT } from './support/paths.js';

/** The production launch: `bin/server.sh` runs the linked build in dist/ (`npm run build`, done
 * by the global setup), as `npm start` and the image do. The other tests run src/ under tsx, so
 * this is where the build itself is shown to serve: the API, the worker's key and mail, the web
 * UI, the API docs and MCP, whose modules the build loads only when first used. */
const CONFIG = `
models:
  - {id: ollama/llama3.1, title: Llama 3.1}
  - {id: gpt-4o, title: GPT-4o}
litellm: {enable_litellm_models: false}
approval_plugins:
  - {name: review, config: {patterns: ["gpt-4o"]}}
  - {name: whitelist, config: {list: ["ollama/*"]}}
`;

const replicas = createReplicaSet();
let server: ReplicaProcess;
let smtp: SmtpSink;
let closeLiteLlm: () => Promise<void>;
let liveKeys: () => { key: string }[];
let dataDir: string;

beforeAll(async () => {
  const litellm = await startFakeLiteLlm({ masterKey: 'sk-master-test' });
  closeLiteLlm = () => litellm.close();
  liveKeys = () => litellm.liveKeys();
  smtp = await startSmtpSink();
  dataDir = await mkdtemp(join(tmpdir(), 'lkr-production-'));
  server = await replicas.start({
    name: 'production',
    configYaml: CONFIG,
    launcher: join(REPO_ROOT, 'bin', 'server.sh'),
    env: {
      ...ADMIN_ENV,
      NODE_ENV: 'production',
      SQLITE_PATH: join(dataDir, 'requests.db'),
      LITELLM_BASE_URL: litellm.url,
      LITELLM_API_KEY: 'sk-master-test',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_USE_TLS: 'false',
      SMTP_FROM: 'portal@example.com',
    },
  });
});

afterAll(async () => {
  await replicas.cleanup();
  await smtp?.close();
  await closeLiteLlm?.();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the production launch (bin/server.sh, dist/)', () => {
  it('is node itself running the linked build with the production flags', async () => {
    const args = (await readFile(`/proc/${server.pid}/cmdline`, 'utf8')).split('\0');
    expect(args.at(-2)).toMatch(/dist\/server\.js$/);
    expect(args).toContain('--max-semi-space-size=2');
  });

  it('submits a request, mints its key and mails it', async () => {
    const response = await fetch(`${server.url}/api/request-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'dev@example.com', llm: 'ollama/llama3.1' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { request_id: string; status: string };
    expect(body.status).toBe('approved');
    const mail = await smtp.waitFor(
      (m) => m.messageId === `<${body.request_id}.approval.c1@llm-key-requestor>`,
    );
    const [key] = liveKeys();
    expect(key?.key).toMatch(/^sk-/);
    expect(mail.text).toContain(key?.key);
  });

  it('serves the web UI, the API docs and the OpenAPI document', async () => {
    const page = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(openapi.paths)).toContain('/api/request-key');
  });

  it('answers MCP, whose modules load on first use', async () => {
    const mcp = await connectMcp(new URL(`${server.url}/mcp`), ADMIN_AUTH, []);
    const { tools } = await mcp.listTools();
    expect(tools.map((tool) => tool.name)).toContain('approve_request');
    await mcp.close();
  });
});
