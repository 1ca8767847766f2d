import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createService } from '../src/composition-root.js';
import type { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';

// No Docker engine runs where the tests run, so the stack is never started here. These checks
// hold docker-compose.yml to the service's own contract instead: the env vars it sets are ones
// the service reads, the host names and ports in them are the other services' names and
// listening ports, the mounted config loads with the real loader, and the healthcheck asks a
// route the real service answers.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const SERVICE = 'llm-key-requestor';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as ComposeFile;

/** `${NAME:-default}` as compose resolves it with nothing set in the environment: the stack
 * must start from a fresh checkout, so every variable needs a default. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, _name, fallback) => {
    if (fallback === undefined) {
      throw new Error(`${whole} has no default: docker compose up would need it set`);
    }
    return fallback as string;
  });
}

function service(name: string): ComposeService {
  const found = compose.services[name];
  expect(found, `service ${name}`).toBeDefined();
  return found as ComposeService;
}

function environment(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, interpolate(String(value))]),
  );
}

/** `host:container` port mappings (compose's short syntax). */
function publishedPorts(name: string): { host: number; container: number }[] {
  return (service(name).ports ?? []).map((mapping) => {
    const match = /^(?:[\d.]+:)?(\d+):(\d+)$/.exec(String(mapping));
    expect(match, `port mapping ${mapping} of ${name}`).not.toBeNull();
    return { host: Number(match?.[1]), container: Number(match?.[2]) };
  });
}

/** Bind mounts as { source on this machine, target in the container }. */
function bindMounts(name: string): { source: string; target: string }[] {
  return (service(name).volumes ?? [])
    .map((volume) => String(volume).split(':'))
    .filter(([source]) => source?.startsWith('./'))
    .map(([source = '', target = '']) => ({ source: join(ROOT, source), target }));
}

function mountedFile(name: string, target: string): string {
  const mount = bindMounts(name).find((candidate) => candidate.target === target);
  expect(mount, `a file mounted at ${target} in ${name}`).toBeDefined();
  expect(existsSync(mount?.source ?? ''), mount?.source).toBe(true);
  return mount?.source ?? '';
}

/** The env vars the service documents in README's table (first column), each also a string
 * literal in src/config, where the loader reads it. */
function envVarsTheServiceReads(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('### Environment variables')[1]?.split(/\n#{2,3} /)[0] ?? '';
  const documented = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) =>
      [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? ''),
    );
  expect(documented.length).toBeGreaterThan(10);
  const configSources = readdirSync(join(ROOT, 'src/config'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => readFileSync(join(ROOT, 'src/config', file), 'utf8'))
    .join('\n');
  return new Set(documented.filter((name) => configSources.includes(`'${name}'`)));
}

let workDir: string;
let ourEnv: Record<string, string>;
let config: AppConfig;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'deploy-compose-'));
  ourEnv = environment(SERVICE);
  const configFile = mountedFile(SERVICE, ourEnv.CONFIG_FILE ?? '');
  config = loadConfig({
    env: { ...ourEnv, CONFIG_FILE: configFile },
    cwd: workDir,
    serviceAccountNamespaceFile: join(workDir, 'no-such-file'),
  });
});

afterAll(async () => {
  if (workDir) {
    await rm(workDir, { recursive: true, force: true });
  }
});

describe('docker-compose.yml: our service', () => {
  it('is built from deploy/Dockerfile at the repository root', () => {
    const build = service(SERVICE).build;
    expect(build?.context).toBe('.');
    expect(build?.dockerfile).toBe('deploy/Dockerfile');
    expect(existsSync(join(ROOT, build?.dockerfile ?? ''))).toBe(true);
  });

  it('sets only environment variables the service reads', () => {
    const known = envVarsTheServiceReads();
    const unknown = Object.keys(ourEnv).filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });

  it('loads its mounted config file with the real config loader, on the SQLite store', () => {
    expect(config.store.kind).toBe('sqlite');
    // The SQLite file lives on a named volume, so requests survive `docker compose down`.
    const dataVolume = (service(SERVICE).volumes ?? [])
      .map((volume) => String(volume).split(':'))
      .find(([source, target]) => source !== undefined && !source.startsWith('.') && target !== undefined);
    expect(dataVolume?.[0] ?? '', 'named volume').toBeTruthy();
    expect(compose.volumes).toHaveProperty(dataVolume?.[0] ?? '');
    expect(posix.dirname(config.store.sqlitePath)).toBe(dataVolume?.[1]);
  });

  it('publishes the port it listens on', () => {
    expect(publishedPorts(SERVICE).map((port) => port.container)).toContain(config.server.port);
  });

  it('turns the admin API on, so the console can be tried', () => {
    expect(config.admin.username).not.toBeNull();
    expect(config.admin.password).not.toBeNull();
  });

  it('waits for nothing it can do without, and starts after LiteLLM and the mail catcher', () => {
    const dependsOn = service(SERVICE).depends_on ?? {};
    expect(Object.keys(dependsOn).sort()).toEqual(['litellm', 'mailpit']);
  });
});

describe('docker-compose.yml: wiring to LiteLLM', () => {
  it('reaches LiteLLM by its service name on the port LiteLLM listens on', () => {
    const url = new URL(config.litellm.baseUrl);
    expect(url.hostname).toBe('litellm');
    const command = service('litellm').command ?? [];
    const listening = Number(command[command.indexOf('--port') + 1]);
    expect(Number(url.port)).toBe(listening);
    expect(publishedPorts('litellm').map((port) => port.container)).toContain(listening);
  });

  it("authenticates with LiteLLM's master key", () => {
    expect(config.litellm.apiKey).toBe(environment('litellm').LITELLM_MASTER_KEY);
    // LiteLLM only accepts a master key starting sk-.
    expect(config.litellm.apiKey).toMatch(/^sk-/);
  });

  it('prints a gateway URL that reaches LiteLLM from the host', () => {
    const gateway = new URL(config.litellm.gatewayUrl);
    expect(gateway.hostname).toBe('localhost');
    expect(publishedPorts('litellm').map((port) => port.host)).toContain(Number(gateway.port));
  });

  it('offers only models LiteLLM serves under the same names', () => {
    const file = mountedFile('litellm', '/app/config.yaml');
    const served = (
      parse(readFileSync(file, 'utf8')) as { model_list: { model_name: string }[] }
    ).model_list.map((entry) => entry.model_name);
    expect(config.models.length).toBeGreaterThan(0);
    expect(config.models.map((model) => model.id).filter((id) => !served.includes(id))).toEqual([]);
  });

  it('gives LiteLLM the Postgres service it needs to store keys, with its credentials', () => {
    const url = new URL(environment('litellm').DATABASE_URL ?? '');
    const postgres = environment('db');
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('db');
    expect(url.port).toBe('5432');
    expect(url.username).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(service('litellm').depends_on?.db?.condition).toBe('service_healthy');
  });
});

describe('docker-compose.yml: wiring to the mail catcher', () => {
  it('sends mail to Mailpit on the port its SMTP server binds', () => {
    expect(config.smtp.host).toBe('mailpit');
    const bind = environment('mailpit').MP_SMTP_BIND_ADDR ?? '';
    expect(Number(bind.split(':').at(-1))).toBe(config.smtp.port);
    // Mailpit has no certificate here (no MP_SMTP_TLS_CERT): a TLS setting could never connect.
    expect(environment('mailpit')).not.toHaveProperty('MP_SMTP_TLS_CERT');
    expect(config.smtp.useTls).toBe(false);
    expect(config.smtp.host).not.toBe('log');
  });

  it("publishes Mailpit's web UI on the port it binds", () => {
    const bind = environment('mailpit').MP_UI_BIND_ADDR ?? '';
    expect(publishedPorts('mailpit').map((port) => port.container)).toContain(Number(bind.split(':').at(-1)));
  });
});

describe('docker-compose.yml: images and volumes', () => {
  it('pins every image it pulls to a version', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      if (definition.build) {
        continue;
      }
      expect(definition.image, name).toMatch(/^[^:]+:v?\d[\w.-]*$/);
    }
  });

  it('declares every named volume it mounts', () => {
    for (const [name, definition] of Object.entries(compose.services)) {
      for (const volume of definition.volumes ?? []) {
        const source = String(volume).split(':')[0] ?? '';
        if (!source.startsWith('.') && !source.startsWith('/')) {
          expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source);
        }
      }
    }
  });

  it('publishes no host port twice', () => {
    const hostPorts = Object.keys(compose.services).flatMap((name) =>
      publishedPorts(name).map((port) => port.host),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });
});

describe('docker-compose.yml: healthcheck', () => {
  it('is a command that succeeds against the real service built from the compose config', async () => {
    const test = service(SERVICE).healthcheck?.test ?? [];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    const script = test[3];
    if (typeof script !== 'string') {
      throw new Error(`the healthcheck script is not a string (quote it in YAML): ${JSON.stringify(script)}`);
    }
    const target = `127.0.0.1:${config.server.port}`;
    expect(script).toContain(`http://${target}/`);

    const logger = pino({ level: 'silent' });
    const running = await createService(
      { ...config, store: { ...config.store, sqlitePath: join(workDir, 'requests.db') } },
      logger,
    );
    let closed = false;
    try {
      await running.app.listen({ host: '127.0.0.1', port: 0 });
      const address = running.app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const run = promisify(execFile);
      // The same script, aimed at the port the test service got.
      await expect(
        run(process.execPath, ['-e', script.replace(target, `127.0.0.1:${port}`)], { timeout: 15_000 }),
      ).resolves.toBeDefined();
      // And it can fail: nothing listens there once the service is gone.
      await running.close();
      closed = true;
      await expect(
        run(process.execPath, ['-e', script.replace(target, `127.0.0.1:${port}`)], { timeout: 15_000 }),
      ).rejects.toThrow();
    } finally {
      if (!closed) {
        await running.close();
      }
    }
  });
});
