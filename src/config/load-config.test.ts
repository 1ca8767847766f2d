import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lkr-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function load(yaml: string | null, env: Record<string, string> = {}) {
  if (yaml !== null) {
    writeFileSync(join(dir, 'config.yaml'), yaml);
  }
  return loadConfig({ env, cwd: dir, serviceAccountNamespaceFile: join(dir, 'no-such-namespace-file') });
}

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('gives the documented defaults for an empty file', () => {
    const config = load('');
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8000, corsOrigins: '*' });
    expect(config.store).toEqual({
      kind: 'sqlite',
      sqlitePath: join(dir, 'data/key-requests.db'),
      namespace: 'default',
    });
    expect(config.litellm).toEqual({
      baseUrl: 'http://localhost:4000',
      apiKey: '',
      gatewayUrl: 'http://localhost:4000',
      enableModels: true,
      keyDefaults: {},
    });
    expect(config.smtp).toEqual({
      host: 'localhost',
      port: 587,
      user: '',
      password: '',
      from: 'noreply@example.com',
      useTls: true,
      verifySsl: true,
    });
    expect(config.approval.queueIntervalMs).toBe(30_000);
    expect(config.admin).toEqual({ username: null, password: null, notify: [] });
    expect(config.approvalPlugins).toEqual([]);
    expect(config.logLevel).toBe('info');
  });

  it('loads the bundled config.yaml', () => {
    const config = loadConfig({ env: {}, cwd: join(import.meta.dirname, '../..') });
    expect(config.models.length).toBeGreaterThan(0);
    expect(config.approvalPlugins.map((p) => p.name)).toContain('whitelist');
  });
});

describe('loadConfig precedence', () => {
  const file = `
litellm: {base_url: "http://file:4000", api_key: file-key, enable_litellm_models: true}
smtp: {host: smtp.file, port: 25, use_tls: true, from: file@example.com}
approval: {queue_interval: 10s}
admin: {username: fileadmin, password: filepass, notify: [Boss@Example.com]}
kubernetes: {namespace: file-ns}
`;

  it('uses the file when no env var is set', () => {
    const config = load(file);
    expect(config.litellm.baseUrl).toBe('http://file:4000');
    expect(config.litellm.gatewayUrl).toBe('http://file:4000');
    expect(config.smtp).toMatchObject({ host: 'smtp.file', port: 25, from: 'file@example.com' });
    expect(config.approval.queueIntervalMs).toBe(10_000);
    expect(config.admin).toEqual({
      username: 'fileadmin',
      password: 'filepass',
      notify: ['boss@example.com'],
    });
    expect(config.store.namespace).toBe('file-ns');
  });

  it('lets env beat the file', () => {
    const config = load(file, {
      LITELLM_BASE_URL: 'https://env.example.com/',
      LITELLM_API_KEY: 'env-key',
      LITELLM_GATEWAY_URL: 'https://gw.example.com',
      ENABLE_LITELLM_MODELS: 'no',
      SMTP_HOST: 'smtp.env',
      SMTP_PORT: '465',
      SMTP_USE_TLS: '0',
      SMTP_VERIFY_SSL: 'false',
      SMTP_FROM: 'Env@Example.com',
      APPROVAL_QUEUE_INTERVAL: '500ms',
      ADMIN_USERNAME: 'envadmin',
      ADMIN_PASSWORD: 'envpass',
      KUBERNETES_NAMESPACE: 'env-ns',
      PORT: '9000',
      HOST: '127.0.0.1',
      CORS_ORIGINS: 'https://a.example.com; https://b.example.com,https://c.example.com',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.litellm).toMatchObject({
      baseUrl: 'https://env.example.com',
      apiKey: 'env-key',
      gatewayUrl: 'https://gw.example.com',
      enableModels: false,
    });
    expect(config.smtp).toMatchObject({
      host: 'smtp.env',
      port: 465,
      useTls: false,
      verifySsl: false,
      from: 'env@example.com',
    });
    expect(config.approval.queueIntervalMs).toBe(500);
    expect(config.admin).toMatchObject({ username: 'envadmin', password: 'envpass' });
    expect(config.store.namespace).toBe('env-ns');
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 9000,
      corsOrigins: ['https://a.example.com', 'https://b.example.com', 'https://c.example.com'],
    });
    expect(config.logLevel).toBe('debug');
  });

  it('picks the kubernetes store inside a cluster and honours STATE_STORE', () => {
    expect(load('', { KUBERNETES_SERVICE_HOST: '10.0.0.1' }).store.kind).toBe('kubernetes');
    expect(load('', { KUBERNETES_SERVICE_HOST: '10.0.0.1', STATE_STORE: 'sqlite' }).store.kind).toBe(
      'sqlite',
    );
    expect(load('', { SQLITE_PATH: '/tmp/x/y.db' }).store.sqlitePath).toBe('/tmp/x/y.db');
  });

  it('reads the namespace from the service-account file when nothing else names it', () => {
    const nsFile = join(dir, 'namespace');
    writeFileSync(nsFile, 'from-sa\n');
    writeFileSync(join(dir, 'config.yaml'), '');
    expect(loadConfig({ env: {}, cwd: dir, serviceAccountNamespaceFile: nsFile }).store.namespace).toBe(
      'from-sa',
    );
  });

  it('reads CONFIG_FILE and accepts approvals: as an alias', () => {
    writeFileSync(join(dir, 'other.yaml'), 'approvals:\n  - name: whitelist\n    config: {list: ["a*"]}\n');
    const config = loadConfig({ env: { CONFIG_FILE: 'other.yaml' }, cwd: dir });
    expect(config.approvalPlugins).toEqual([{ name: 'whitelist', config: { list: ['a*'] } }]);
  });
});

describe('loadConfig errors name the offending key', () => {
  it.each([
    ['unknown top-level key', 'modles: []', 'modles', 'unknown key'],
    ['unknown nested key', 'litellm: {base_ur: x}', 'litellm.base_ur', 'unknown key'],
    ['wrong type', 'smtp: {port: "twenty-five"}', 'smtp.port', 'integer'],
    ['missing model id', 'models: [{title: T}]', 'models[0].id', 'required'],
    ['bad model id', 'models: [{id: "has space", title: T}]', 'models[0].id', 'pattern'],
    ['duplicate model id', 'models: [{id: a, title: A}, {id: a, title: B}]', 'models[1].id', 'duplicate'],
    [
      'bad plugin entry',
      'approval_plugins: [{name: whitelist, config: {list: []}}, {nme: x}]',
      'approval_plugins[1].nme',
      'unknown key',
    ],
    ['bad key setting', 'litellm: {key_defaults: {rpm_limit: -1}}', 'litellm.key_defaults.rpm_limit', '0'],
    ['bad interval', 'approval: {queue_interval: soon}', 'approval.queue_interval', 'duration'],
    ['bad notify email', 'admin: {notify: [not-an-email]}', 'admin.notify[0]', 'email'],
    ['both plugin lists', 'approvals: []\napproval_plugins: []', 'approvals', 'not both'],
    ['bad base url', 'litellm: {base_url: "ftp://x"}', 'litellm.base_url', 'http(s) URL'],
    ['not a mapping', '- a\n- b', 'CONFIG_FILE', 'mapping'],
    ['invalid yaml', 'models: [\n', 'CONFIG_FILE', 'not valid YAML'],
    ['duplicate yaml key', 'smtp: {}\nsmtp: {}', 'CONFIG_FILE', 'not valid YAML'],
  ])('%s', (_name, yaml, path, problem) => {
    const error = errorOf(() => load(yaml));
    expect(error.path).toBe(path);
    expect(error.message).toContain(problem);
  });

  it('reports a missing config file', () => {
    const error = errorOf(() => load(null));
    expect(error.path).toBe('CONFIG_FILE');
    expect(error.message).toContain('ENOENT');
  });

  it.each([
    ['APPROVAL_QUEUE_INTERVAL', '30'],
    ['APPROVAL_QUEUE_INTERVAL', '1w'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SMTP_PORT', '-1'],
    ['SMTP_USE_TLS', 'maybe'],
    ['ENABLE_LITELLM_MODELS', 'y'],
    ['STATE_STORE', 'redis'],
    ['LITELLM_BASE_URL', 'not a url'],
    ['SMTP_FROM', 'nobody'],
    ['LOG_LEVEL', 'loud'],
  ])('rejects %s=%j naming the variable', (name, value) => {
    const error = errorOf(() => load('', { [name]: value }));
    expect(error.path).toBe(name);
    expect(error.message).toContain(JSON.stringify(value));
  });

  it('requires admin username and password together', () => {
    expect(errorOf(() => load('', { ADMIN_USERNAME: 'admin' })).path).toBe('ADMIN_PASSWORD');
    expect(errorOf(() => load('', { ADMIN_PASSWORD: 'secret' })).path).toBe('ADMIN_USERNAME');
  });

  it('never echoes a secret in an error', () => {
    const error = errorOf(() => load('smtp: {password: hunter2, port: x}'));
    expect(error.message).not.toContain('hunter2');
  });
});

describe('loadConfig: the key lifecycle settings', () => {
  it('defaults to plus tags ignored, a reminder 7 days ahead, a 24 h cool-down, no kept keys, localhost links', () => {
    const config = load('', { PORT: '9000' });
    expect(config.email).toEqual({ ignorePlusTags: true });
    expect(config.lifecycle).toEqual({ remindBeforeMs: 7 * 86_400_000, denyCooldownMs: 86_400_000 });
    expect(config.retainApiKeys).toBe(false);
    expect(config.publicUrl).toBe('http://localhost:9000');
  });

  it('reads them from the file, 0 meaning off or at once, and PUBLIC_URL from the environment', () => {
    const config = load(
      [
        'email: {ignore_plus_tags: false}',
        'lifecycle: {remind_before: 0, deny_cooldown: "0"}',
        'retain_api_keys: true',
        'public_url: https://keys.example.com/',
      ].join('\n'),
    );
    expect(config).toMatchObject({
      email: { ignorePlusTags: false },
      lifecycle: { remindBeforeMs: 0, denyCooldownMs: 0 },
      retainApiKeys: true,
      publicUrl: 'https://keys.example.com',
    });
    expect(load('lifecycle: {remind_before: 3D}', { PUBLIC_URL: 'https://other.example.org' })).toMatchObject(
      {
        lifecycle: { remindBeforeMs: 3 * 86_400_000 },
        publicUrl: 'https://other.example.org',
      },
    );
  });

  it.each([
    ['lifecycle: {remind_before: 7}', 'lifecycle.remind_before'],
    ['lifecycle: {deny_cooldown: soon}', 'lifecycle.deny_cooldown'],
    ['email: {ignore_plus_tag: true}', 'email.ignore_plus_tag'],
    ['public_url: ftp://x.example.com', 'public_url'],
  ])('refuses %j naming %s', (yaml, path) => {
    expect(errorOf(() => load(yaml)).path).toBe(path);
  });
});
