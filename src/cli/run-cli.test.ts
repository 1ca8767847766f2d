import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite-store.js';
import { runCli } from './run-cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lkr-run-cli-'));
  writeFileSync(join(dir, 'config.yaml'), 'models: [{id: gpt-4, title: GPT-4}]\n');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** runCli in this process, with stdout and stderr captured. */
async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    argv,
    env: { CONFIG_FILE: 'config.yaml', SQLITE_PATH: 'requests.db', ...env },
    cwd: dir,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('runCli', () => {
  it('resolves CONFIG_FILE and SQLITE_PATH against cwd and lists what the store holds', async () => {
    const store = createSqliteStore({ path: join(dir, 'requests.db') });
    const { request } = await store.create({ email: 'a@example.com', model: 'gpt-4' });
    await store.close();
    const { code, stdout, stderr } = await run(['list', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      requests: [expect.objectContaining({ request_id: request.id, state: 'pending' })],
      next_cursor: null,
    });
  });

  it('writes logs to stderr only when LOG_LEVEL asks for them', async () => {
    const store = createSqliteStore({ path: join(dir, 'requests.db') });
    await store.close();
    const quiet = await run(['list']);
    const chatty = await run(['list'], { LOG_LEVEL: 'info' });
    expect(quiet.stderr).toBe('');
    expect(chatty.stdout).toBe('No requests.\n');
    expect(JSON.parse(chatty.stderr.split('\n')[0] ?? '')).toMatchObject({
      msg: 'using the SQLite request store',
    });
  });

  it('exits 1 with the config error, naming the key', async () => {
    writeFileSync(join(dir, 'config.yaml'), 'modles: []\n');
    const { code, stdout, stderr } = await run(['list']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('llm-key-requestor: invalid configuration: modles: unknown key\n');
  });

  it('exits 2 on a usage error before reading any config', async () => {
    const { code, stderr } = await run(['approve'], { CONFIG_FILE: 'missing.yaml' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^llm-key-requestor: approve needs a request id\n\nUsage:/);
  });
});
