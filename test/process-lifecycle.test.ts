import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createReplicaSet, freePort, type ReplicaSet } from './support/replica-process.js';
import { runEntry } from './support/run-entry.js';
import { waitUntil } from './support/wait.js';

let replicas: ReplicaSet | undefined;
let dir: string | undefined;
let hanging: Server | undefined;

afterEach(async () => {
  await replicas?.cleanup();
  replicas = undefined;
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  }
  hanging?.closeAllConnections();
  await new Promise((resolve) => (hanging ? hanging.close(resolve) : resolve(undefined)));
  hanging = undefined;
});

function runToExit(env: Record<string, string>) {
  return runEntry('src/main.ts', [], env, 30_000);
}

describe('the server process', () => {
  it.each([
    ['an unknown config key', 'modles: []\n', {}, 'modles: unknown key'],
    [
      'an invalid plugin config',
      'approval_plugins: [{name: whitelist, config: {lists: ["a"]}}]\n',
      {},
      'approval_plugins[0].config',
    ],
    ['a bad env value', '', { APPROVAL_QUEUE_INTERVAL: 'soon' }, 'APPROVAL_QUEUE_INTERVAL'],
  ])('exits 1 before listening on %s, naming the key', async (_name, yaml, env, named) => {
    dir = mkdtempSync(join(tmpdir(), 'lkr-lifecycle-'));
    writeFileSync(join(dir, 'config.yaml'), yaml);
    const port = await freePort();
    const result = await runToExit({
      CONFIG_FILE: join(dir, 'config.yaml'),
      SQLITE_PATH: join(dir, 'db.sqlite'),
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(named);
    expect(result.stdout).not.toContain('Server listening');
  });

  it('exits 1 with a clear message when the config file is missing', async () => {
    const result = await runToExit({ CONFIG_FILE: '/nonexistent/config.yaml', PORT: '0', HOST: '127.0.0.1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/CONFIG_FILE: cannot read \/nonexistent\/config.yaml \(ENOENT\)/);
  });

  it('finishes an in-flight request on SIGTERM, then exits 0', async () => {
    // A LiteLLM that never answers keeps GET /api/models busy for about a second.
    hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging?.listen(0, '127.0.0.1', resolve));
    const address = hanging.address();
    const litellmPort = typeof address === 'object' && address ? address.port : 0;
    dir = mkdtempSync(join(tmpdir(), 'lkr-lifecycle-'));
    replicas = createReplicaSet();
    const replica = await replicas.start({
      name: 'graceful',
      configYaml: 'models: [{id: m1, title: M1}]\n',
      env: {
        SQLITE_PATH: join(dir, 'db.sqlite'),
        LITELLM_BASE_URL: `http://127.0.0.1:${litellmPort}`,
        ENABLE_LITELLM_MODELS: 'true',
        SMTP_HOST: 'log',
        // A read's access-log lines are debug (src/http/access-log.ts); the test waits for one.
        LOG_LEVEL: 'debug',
      },
    });
    const inFlight = fetch(`${replica.url}/api/models`);
    await waitUntil(() => replica.logged('incoming request').length > 0, {
      what: 'the request to reach the server',
    });
    replica.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { models: { id: string }[] }).models.map((m) => m.id)).toEqual(['m1']);
    expect(await replica.exited).toEqual({ code: 0, signal: null });
    expect(replica.logged('shut down cleanly')).toHaveLength(1);
  });
});
