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
      startTls: null,
      verifySsl: true,
    });
    expect(config.mcp).toEqual({ apiKey: null });
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

describe("the original service's settings", () => {
  it('takes its boolean words in any case, from the file and from the environment', () => {
    const file =
      'smtp: {use_tls: "ON", start_tls: y, verify_ssl: "False"}\nlitellm: {enable_litellm_models: "t"}';
    expect(load(file).smtp).toMatchObject({ useTls: true, startTls: true, verifySsl: false });
    expect(load(file).litellm.enableModels).toBe(true);
    const env = {
      SMTP_USE_TLS: 'Off',
      SMTP_START_TLS: 'N',
      SMTP_VERIFY_SSL: 'YES',
      ENABLE_LITELLM_MODELS: 'f',
    };
    expect(load(file, env).smtp).toMatchObject({ useTls: false, startTls: false, verifySsl: true });
    expect(load(file, env).litellm.enableModels).toBe(false);
  });

  it('takes a port written as a string and durations in days or upper case', () => {
    expect(load('smtp: {port: "2525"}').smtp.port).toBe(2525);
    expect(load('approval: {queue_interval: 5M}').approval.queueIntervalMs).toBe(300_000);
    expect(load('', { APPROVAL_QUEUE_INTERVAL: '1D' }).approval.queueIntervalMs).toBe(86_400_000);
  });

  it('reads mcp.api_key and smtp.start_tls, the environment winning, a blank variable counting as unset', () => {
    const file = 'mcp: {api_key: file-key}\nsmtp: {start_tls: false}';
    expect(load(file).mcp.apiKey).toBe('file-key');
    expect(load(file).smtp.startTls).toBe(false);
    expect(load(file, { MCP_API_KEY: 'env-key', SMTP_START_TLS: 'true' }).mcp.apiKey).toBe('env-key');
    expect(load(file, { SMTP_START_TLS: 'true' }).smtp.startTls).toBe(true);
    expect(load(file, { MCP_API_KEY: '' }).mcp.apiKey).toBe('file-key');
    expect(load('mcp: {api_key: "  "}').mcp.apiKey).toBeNull();
  });

  it('matches the names its settings library read in any case, the exact spelling winning', () => {
    writeFileSync(join(dir, 'lower.yaml'), 'models: [{id: m, title: M}]');
    const config = load('', {
      litellm_base_url: 'http://lower:4000',
      Litellm_Api_Key: 'mixed-key',
      enable_litellm_models: 'false',
      cors_origins: 'https://a.example.com',
    });
    expect(config.litellm).toMatchObject({
      baseUrl: 'http://lower:4000',
      apiKey: 'mixed-key',
      enableModels: false,
    });
    expect(config.server.corsOrigins).toEqual(['https://a.example.com']);
    expect(
      load('', { litellm_base_url: 'http://lower:4000', LITELLM_BASE_URL: 'http://exact:4000' }).litellm
        .baseUrl,
    ).toBe('http://exact:4000');
    expect(loadConfig({ env: { config_file: 'lower.yaml' }, cwd: dir }).models.map((m) => m.id)).toEqual([
      'm',
    ]);
    // The others were read with their exact names by the original too.
    expect(load('', { smtp_host: 'lower.example.com' }).smtp.host).toBe('localhost');
  });

  it('ignores CONFIG, which its deployments set but nothing read', () => {
    expect(load('models: [{id: m, title: M}]', { CONFIG: '/app/config.yaml' }).models).toHaveLength(1);
  });
});

describe('loadConfig errors name the offending key', () => {
  it.each([
    ['unknown top-level key', 'modles: []', 'modles', 'unknown key'],
    ['unknown nested key', 'litellm: {base_ur: x}', 'litellm.base_ur', 'unknown key'],
    ['wrong type', 'smtp: {port: [25]}', 'smtp.port', 'must be integer or string'],
    ['not a port', 'smtp: {port: "twenty-five"}', 'smtp.port', 'port number'],
    ['not a boolean', 'smtp: {start_tls: "sometimes"}', 'smtp.start_tls', 'on/off'],
    ['unknown mcp key', 'mcp: {api_key: k, apikey: k}', 'mcp.apikey', 'unknown key'],
    ['null section', 'smtp:', 'smtp', 'object'],
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
    ['APPROVAL_QUEUE_INTERVAL', '0s'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SMTP_PORT', '-1'],
    ['SMTP_USE_TLS', 'maybe'],
    ['ENABLE_LITELLM_MODELS', 'enabled'],
    ['SMTP_START_TLS', 'required'],
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
