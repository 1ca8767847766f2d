import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyRequest } from '../src/requests/request-types.js';
import type { RequestStore } from '../src/store/request-store.js';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import { type EntryRun, runEntry } from './support/run-entry.js';
import { type Harness, startHarness } from './support/service-harness.js';

const LIVE_KEY = 'sk-live-7c1e0b5d2a4f48e9b3c6-9f3a';

const CONFIG = `
models:
  - {id: gpt-4, title: GPT-4}
  - {id: claude-3, title: Claude 3}
  - {id: mistral-7b, title: Mistral 7B}
litellm: {enable_litellm_models: false}
approval: {queue_interval: 45s}
approval_plugins:
  - {name: review, config: {patterns: ["claude-*"]}}
  - {name: whitelist, config: {list: ["*@example.com"]}}
admin: {notify: [reviewer@example.com]}
`;

/** Runs the real entry point (`src/cli/main.ts`) to completion, asynchronously, so fakes served
 * from this process keep answering while it runs. */
function runCli(args: string[], env: Record<string, string>): Promise<EntryRun> {
  return runEntry('src/cli/main.ts', args, env);
}

/** A temp dir with a config file and a SQLite store seeded with one request per state,
 * created in this order a minute apart: alice (oldest), bob, carol, dave. */
interface World {
  dir: string;
  env: Record<string, string>;
  store: RequestStore;
  ids: Record<'alice' | 'bob' | 'carol' | 'dave', string>;
}

let world: World;

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lkr-cli-'));
  writeFileSync(join(dir, 'config.yaml'), CONFIG);
  const dbPath = join(dir, 'requests.db');
  let clock = Date.UTC(2025, 2, 1, 9, 0);
  const tick = () => {
    clock += 60_000;
    return new Date(clock);
  };
  const store = createSqliteStore({ path: dbPath, now: tick });
  const seed = async (email: string, model: string, patch: Parameters<RequestStore['update']>[2] | null) => {
    const { request } = await store.create({ email, model });
    if (patch === null) {
      return request.id;
    }
    const updated = await store.update(request.id, request.version, patch);
    if (!updated.ok) {
      throw new Error(`seeding ${email} failed`);
    }
    return request.id;
  };
  const ids = {
    alice: await seed('alice@example.com', 'gpt-4', null),
    bob: await seed('bob@example.com', 'claude-3', {
      state: 'in-review',
      handledState: 'in-review',
      reason: 'Model "claude-3" requires admin review',
    }),
    carol: await seed('carol@example.com', 'mistral-7b', {
      state: 'approved',
      handledState: 'approved',
      apiKey: LIVE_KEY,
      pendingKey: LIVE_KEY,
      reason: 'whitelisted',
      work: { attempts: 2, lastError: 'LiteLLM answered 503' },
    }),
    dave: await seed('dave@other.org', 'gpt-4', {
      state: 'denied',
      handledState: 'denied',
      reason: 'Email not on the list',
    }),
  };
  world = {
    dir,
    env: { CONFIG_FILE: join(dir, 'config.yaml'), SQLITE_PATH: dbPath, USER: 'ops-alice' },
    store,
    ids,
  };
});

afterEach(async () => {
  await world.store.close();
  rmSync(world.dir, { recursive: true, force: true });
});

async function stored(id: string): Promise<KeyRequest> {
  const request = await world.store.get(id);
  if (!request) {
    throw new Error(`request ${id} is gone`);
  }
  return request;
}

function cli(...args: string[]): Promise<EntryRun> {
  return runCli(args, world.env);
}

describe('llm-key-requestor list', () => {
  it('prints a table of every request, newest first, with masked keys', async () => {
    const { code, stdout, stderr } = await cli('list');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +CREATED +EMAIL +MODEL +STATUS +REASON +KEY +ATTEMPTS$/);
    expect(lines.slice(1).map((line) => line.split(/ {2,}/)[2])).toEqual([
      'dave@other.org',
      'carol@example.com',
      'bob@example.com',
      'alice@example.com',
    ]);
    expect(lines[2]).toMatch(
      new RegExp(
        `^${world.ids.carol} +2025-03-01 09:04Z +carol@example\\.com +mistral-7b +approved +whitelisted +sk-…9f3a +2$`,
      ),
    );
    expect(stdout).not.toContain(LIVE_KEY);
  });

  it('prints the admin API view with --json, narrowed by --filter and --limit', async () => {
    const [all, review, newest] = await Promise.all([
      cli('list', '--json'),
      cli('list', '--filter', 'review', '--json'),
      cli('list', '--limit', '1', '--json'),
    ]);
    expect([all.code, review.code, newest.code]).toEqual([0, 0, 0]);
    const everything = JSON.parse(all.stdout) as { requests: Record<string, unknown>[]; next_cursor: null };
    expect(everything.next_cursor).toBeNull();
    expect(everything.requests.map((r) => r.request_id)).toEqual([
      world.ids.dave,
      world.ids.carol,
      world.ids.bob,
      world.ids.alice,
    ]);
    expect(everything.requests[1]).toEqual({
      request_id: world.ids.carol,
      email: 'carol@example.com',
      model: 'mistral-7b',
      state: 'approved',
      api_key: 'sk-…9f3a',
      reason: 'whitelisted',
      created_at: '2025-03-01T09:04:00.000Z',
      updated_at: '2025-03-01T09:05:00.000Z',
      attempts: 2,
      last_error: 'LiteLLM answered 503',
      cycle: 1,
    });
    expect(JSON.parse(review.stdout).requests.map((r: { email: string }) => r.email)).toEqual([
      'bob@example.com',
    ]);
    const first = JSON.parse(newest.stdout) as { requests: { email: string }[]; next_cursor: string | null };
    expect(first.requests.map((r) => r.email)).toEqual(['dave@other.org']);
    expect(first.next_cursor).not.toBeNull();
    expect(all.stdout).not.toContain(LIVE_KEY);
  });

  it('keeps stdout pure JSON when logs are turned up: they go to stderr', async () => {
    const { code, stdout, stderr } = await runCli(['list', '--json', '--filter', 'denied'], {
      ...world.env,
      LOG_LEVEL: 'debug',
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).requests).toHaveLength(1);
    expect(stderr).toContain('using the SQLite request store');
  });

  it('says so when no request matches the filter', async () => {
    const { code, stdout } = await cli('list', '--filter', 'revoked');
    expect(code).toBe(0);
    expect(stdout).toBe('No requests (filter: revoked).\n');
  });
});

describe('llm-key-requestor show', () => {
  it('prints one request in detail, and as the admin view with --json', async () => {
    const [text, json] = await Promise.all([
      cli('show', world.ids.carol),
      cli('show', world.ids.carol, '--json'),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`request_id  ${world.ids.carol}\n`);
    expect(text.stdout).toContain('api_key     sk-…9f3a\n');
    expect(text.stdout).toContain('last_error  LiteLLM answered 503\n');
    expect(text.stdout).toContain('worker      done\n');
    expect(text.stdout).toMatch(
      /\nhistory \(oldest first\):\n {2}2025-03-01 09:0\dZ {2}requester {2}created {2}-> pending\n/,
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ request_id: world.ids.carol, api_key: 'sk-…9f3a' });
    expect(text.stdout + json.stdout).not.toContain(LIVE_KEY);
  });

  it('exits 1 with a one-line message for an unknown id', async () => {
    const { code, stdout, stderr } = await cli('show', 'no-such-request');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('llm-key-requestor: No key request with id "no-such-request"\n');
  });
});

describe('llm-key-requestor approve, deny, revoke', () => {
  it('approves a pending request and leaves minting to the server worker', async () => {
    const { code, stdout, stderr } = await cli('approve', world.ids.alice);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(
      `Approved ${world.ids.alice} (alice@example.com, gpt-4): Approved by an administrator`,
    );
    expect(stdout).toContain(
      "The server's worker will mint the key and mail it within APPROVAL_QUEUE_INTERVAL (45s here)",
    );
    const request = await stored(world.ids.alice);
    expect(request.state).toBe('approved');
    expect(request.reason).toBe('Approved by an administrator');
    expect(request.history.at(-1)).toMatchObject({ actor: 'cli:ops-alice', action: 'approved' });
    expect(request.apiKey).toBeNull();
    expect(request.handledState).not.toBe('approved');
  });

  it('denies an in-review request and revokes an approved one, recording the reasons', async () => {
    const [deny, revoke] = await Promise.all([
      cli('deny', world.ids.bob, '--reason', 'not for interns'),
      cli('revoke', world.ids.carol, '--reason', 'left the team', '--json'),
    ]);
    expect([deny.code, revoke.code]).toEqual([0, 0]);
    expect(deny.stdout).toContain('will mail the reason to the requester within APPROVAL_QUEUE_INTERVAL');
    expect(JSON.parse(revoke.stdout)).toMatchObject({
      success: true,
      request: {
        request_id: world.ids.carol,
        state: 'revoked',
        reason: 'left the team',
        api_key: 'sk-…9f3a',
      },
    });
    expect(await stored(world.ids.bob)).toMatchObject({ state: 'denied', reason: 'not for interns' });
    // The key is still recorded: the worker needs it to delete the key on LiteLLM.
    expect(await stored(world.ids.carol)).toMatchObject({ state: 'revoked', apiKey: LIVE_KEY });
    expect(revoke.stdout).not.toContain(LIVE_KEY);
  });

  it('refuses deny without --reason with the usage and exit 2, changing nothing', async () => {
    const before = await stored(world.ids.alice);
    const { code, stdout, stderr } = await cli('deny', world.ids.alice);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('llm-key-requestor: deny needs --reason TEXT');
    expect(stderr).toContain('Usage: llm-key-requestor <command> [options]');
    expect(await stored(world.ids.alice)).toEqual(before);
  });

  it('refuses a transition the state does not allow with exit 1, changing nothing', async () => {
    const [denyDenied, revokePending] = await Promise.all([
      cli('deny', world.ids.dave, '--reason', 'again'),
      cli('revoke', world.ids.alice, '--reason', 'oops'),
    ]);
    expect(denyDenied.code).toBe(1);
    expect(denyDenied.stderr).toBe(
      'llm-key-requestor: Cannot deny a request that is denied; allowed from: pending, in-review\n',
    );
    expect(revokePending.code).toBe(1);
    expect(revokePending.stderr).toContain('Cannot revoke a request that is pending');
    expect((await stored(world.ids.dave)).state).toBe('denied');
    expect((await stored(world.ids.alice)).state).toBe('pending');
  });

  it('exits 1 for an unknown id', async () => {
    const { code, stderr } = await cli('approve', '00000000-0000-0000-0000-000000000000');
    expect(code).toBe(1);
    expect(stderr).toBe('llm-key-requestor: No key request with id "00000000-0000-0000-0000-000000000000"\n');
  });
});

describe('llm-key-requestor resend', () => {
  it('makes a given-up notification due again for the server worker, and records who asked', async () => {
    const failed = await stored(world.ids.dave);
    await world.store.update(failed.id, failed.version, {
      notificationFailure: { kind: 'denial', error: '550 no such user', at: '2025-03-01T09:30:00.000Z' },
    });
    const { code, stdout, stderr } = await cli('resend', world.ids.dave);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `Re-sending the failed notification of ${world.ids.dave} (dave@other.org, gpt-4).\n` +
        "The server's worker will send it within APPROVAL_QUEUE_INTERVAL (45s here).\n",
    );
    const after = await stored(world.ids.dave);
    expect(after).toMatchObject({ notificationFailure: null, handledState: null });
    expect(after.history.at(-1)).toMatchObject({ action: 'mail-resent', actor: 'cli:ops-alice' });

    const again = await cli('resend', world.ids.dave);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('llm-key-requestor: This request has no failed notification to re-send\n');
  });
});

describe('llm-key-requestor usage and failures', () => {
  it('prints the usage on stdout for help, and on stderr with exit 2 for an unknown command or flag', async () => {
    const [help, unknown, badFlag] = await Promise.all([
      cli('--help'),
      cli('frobnicate'),
      cli('list', '--status', 'pending'),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('approve <id> [--reason TEXT]');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^llm-key-requestor: unknown command "frobnicate"\n\nUsage:/);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("Unknown option '--status'");
    expect(unknown.stdout + badFlag.stdout).toBe('');
  });

  it('reports a missing SQLite file instead of creating an empty store', async () => {
    const missing = join(world.dir, 'typo', 'requests.db');
    const { code, stderr } = await runCli(['list'], { ...world.env, SQLITE_PATH: missing });
    expect(code).toBe(1);
    expect(stderr).toContain(`no request store at ${missing} (SQLITE_PATH)`);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('llm-key-requestor check-config', () => {
  it('summarises a good configuration and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['check-config'], {
      ...world.env,
      SMTP_HOST: 'mail.example.com',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'hunter2-very-secret',
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`store      sqlite ${world.env.SQLITE_PATH}\n`);
    expect(stdout).toContain('models     3 configured, 0 featured\n');
    expect(stdout).toContain('plugins    approval_plugins: 1. review  2. whitelist\n');
    expect(stdout).toContain(
      'smtp       mail.example.com:587 (STARTTLS, required), from noreply@example.com\n',
    );
    expect(stdout).toContain('admin API  on\n');
    expect(stdout).toContain('mcp        on, admin credentials\n');
    expect(stdout).toContain('Compared with the original Python service');
    expect(stdout).toContain('  - keys: shown masked');
    expect(stdout).not.toContain('WARNINGS');
    expect(stdout).toMatch(/configuration OK\n$/);
    expect(stdout).not.toContain('hunter2');
  });

  it('exits 1 naming the key of a bad plugin config', async () => {
    const bad = join(world.dir, 'bad.yaml');
    writeFileSync(
      bad,
      'approval_plugins:\n  - {name: review, config: {patterns: ["x"]}}\n  - {name: blacklist, config: {list: 42}}\n',
    );
    const { code, stdout, stderr } = await runCli(['check-config'], { ...world.env, CONFIG_FILE: bad });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^llm-key-requestor: invalid configuration: approval_plugins\[1\]\.config\.list: .+\n$/,
    );
  });
});

describe('llm-key-requestor against a running service', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("approves a request parked for review; the server's worker mints and mails the key", async () => {
    h = await startHarness({
      configYaml:
        'models: [{id: gpt-4, title: GPT-4}]\nlitellm: {enable_litellm_models: false}\napproval_plugins: [{name: review, config: {patterns: ["gpt-4"]}}]\n',
    });
    const { body } = await h.submit('dev@company.com', 'gpt-4');
    const id = String(body.request_id);
    expect((await h.settled(id)).state).toBe('in-review');

    const config = join(h.dir, 'cli-config.yaml');
    writeFileSync(config, 'models: [{id: gpt-4, title: GPT-4}]\n');
    const env = { CONFIG_FILE: config, SQLITE_PATH: join(h.dir, 'requests.db'), USER: 'ops-bob' };
    const approve = await runCli(['approve', id, '--reason', 'ok for the hackathon'], env);
    expect(approve.stderr).toBe('');
    expect(approve.code).toBe(0);

    // The harness runs its worker on a 30 s interval; wake it instead of waiting for that.
    h.service.worker.wake();
    const minted = await h.settled(id);
    expect(minted).toMatchObject({ state: 'approved', reason: 'ok for the hackathon' });
    // The store keeps only the hash once the key is mailed; LiteLLM has the key itself.
    expect(minted.apiKey).toBeNull();
    expect(h.litellm.liveKeys()).toHaveLength(1);
    const key = h.litellm.liveKeys().find((live) => live.token === minted.keyHash)?.key ?? '';
    expect(key).not.toBe('');
    const mail = await h.smtp.waitFor((m) => m.subject === 'API Key Approved for gpt-4');
    expect(mail.to).toEqual(['dev@company.com']);
    expect(mail.text).toContain(key);

    const [show, list] = await Promise.all([runCli(['show', id], env), runCli(['list', '--json'], env)]);
    expect(show.stdout).toContain(`api_key     sk-…${key.slice(-4)}\n`);
    expect(JSON.parse(list.stdout).requests[0].api_key).toBe(`sk-…${key.slice(-4)}`);
    expect(show.stdout + show.stderr + list.stdout + list.stderr).not.toContain(key);
  });
});
