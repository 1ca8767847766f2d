import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Value } from 'typebox/value';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { normalizeEmail } from '../requests/email.js';
import type { AppConfig } from './app-config.js';
import { ConfigError, firstSchemaProblem, pointerToPath } from './config-error.js';
import { type ConfigFile, ConfigFileSchema, type ModelConfig } from './config-schema.js';
import { parseDuration } from './duration.js';

export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface LoadConfigOptions {
  env: NodeJS.ProcessEnv;
  /** Directory that relative paths (CONFIG_FILE, SQLITE_PATH) resolve against. */
  cwd: string;
  serviceAccountNamespaceFile?: string;
}

/** Reads CONFIG_FILE, validates it, applies env overrides and defaults.
 * Throws ConfigError naming the offending key or env var. */
export function loadConfig({
  env,
  cwd,
  serviceAccountNamespaceFile = SERVICE_ACCOUNT_NAMESPACE_FILE,
}: LoadConfigOptions): AppConfig {
  const configPath = resolve(cwd, nonEmpty(env.CONFIG_FILE) ?? 'config.yaml');
  const file = readConfigFile(configPath);
  const read = envReader(env);

  const litellmBaseUrl =
    read.url('LITELLM_BASE_URL', 'litellm.base_url', file.litellm?.base_url) ?? 'http://localhost:4000';
  const kubernetesHost = nonEmpty(env.KUBERNETES_SERVICE_HOST);
  const storeKind = read.string('STATE_STORE') ?? (kubernetesHost ? 'kubernetes' : 'sqlite');
  if (storeKind !== 'sqlite' && storeKind !== 'kubernetes') {
    throw new ConfigError(
      'STATE_STORE',
      `must be "sqlite" or "kubernetes", got ${JSON.stringify(storeKind)}`,
    );
  }

  const queueInterval = read.duration(
    'APPROVAL_QUEUE_INTERVAL',
    'approval.queue_interval',
    file.approval?.queue_interval,
  );
  const claimTimeout = read.duration(null, 'approval.claim_timeout', file.approval?.claim_timeout);

  const adminUsername = read.string('ADMIN_USERNAME') ?? nonEmpty(file.admin?.username) ?? null;
  const adminPassword = read.string('ADMIN_PASSWORD') ?? nonEmpty(file.admin?.password) ?? null;
  if ((adminUsername === null) !== (adminPassword === null)) {
    throw new ConfigError(
      adminUsername === null ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD',
      'admin username and password must be set together (or neither, which turns the admin API off)',
    );
  }

  const smtpUseTls = read.bool('SMTP_USE_TLS', file.smtp?.use_tls) ?? true;
  const smtpPort = read.port('SMTP_PORT', file.smtp?.port) ?? 587;

  return {
    server: {
      host: read.string('HOST') ?? '0.0.0.0',
      port: read.port('PORT', undefined) ?? 8000,
      corsOrigins: parseOrigins(read.string('CORS_ORIGINS') ?? '*'),
    },
    logLevel: read.logLevel('LOG_LEVEL') ?? 'info',
    store: {
      kind: storeKind,
      sqlitePath: resolve(cwd, read.string('SQLITE_PATH') ?? './data/key-requests.db'),
      namespace:
        read.string('KUBERNETES_NAMESPACE') ??
        nonEmpty(file.kubernetes?.namespace) ??
        readOptionalFile(serviceAccountNamespaceFile) ??
        'default',
    },
    litellm: {
      baseUrl: litellmBaseUrl,
      apiKey: read.string('LITELLM_API_KEY') ?? file.litellm?.api_key ?? '',
      gatewayUrl:
        read.url('LITELLM_GATEWAY_URL', 'litellm.gateway_url', file.litellm?.gateway_url) ?? litellmBaseUrl,
      enableModels: read.bool('ENABLE_LITELLM_MODELS', file.litellm?.enable_litellm_models) ?? true,
      keyDefaults: file.litellm?.key_defaults ?? {},
    },
    models: checkUniqueIds(file.models ?? [], 'models'),
    featuredModels: checkUniqueIds(file.featured_models ?? [], 'featured_models'),
    allowUnlistedModels: file.allow_unlisted_models ?? false,
    approval: {
      queueIntervalMs: queueInterval ?? 30_000,
      claimTimeoutMs: claimTimeout ?? 120_000,
      concurrency: file.approval?.concurrency ?? 8,
    },
    approvalPlugins: pluginEntries(file),
    approvalPluginsKey: file.approvals ? 'approvals' : 'approval_plugins',
    smtp: {
      host: read.string('SMTP_HOST') ?? nonEmpty(file.smtp?.host) ?? 'localhost',
      port: smtpPort,
      user: read.string('SMTP_USER') ?? file.smtp?.user ?? '',
      password: read.string('SMTP_PASSWORD') ?? file.smtp?.password ?? '',
      from: read.email('SMTP_FROM', 'smtp.from', file.smtp?.from) ?? 'noreply@example.com',
      useTls: smtpUseTls,
      verifySsl: read.bool('SMTP_VERIFY_SSL', file.smtp?.verify_ssl) ?? true,
    },
    admin: {
      username: adminUsername,
      password: adminPassword,
      notify: (file.admin?.notify ?? []).map((raw, index) => checkEmail(raw, `admin.notify[${index}]`)),
    },
  };
}

function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('CONFIG_FILE', `cannot read ${path} (${code ?? String(error)})`);
  }
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true }) ?? {};
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new ConfigError('CONFIG_FILE', `${path} is not valid YAML: ${detail}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError('CONFIG_FILE', `${path} must contain a YAML mapping at the top level`);
  }
  const problem = firstSchemaProblem(Value.Errors(ConfigFileSchema, data));
  if (problem) {
    throw new ConfigError(pointerToPath(problem.pointer), problem.problem);
  }
  return data as ConfigFile;
}

function pluginEntries(file: ConfigFile) {
  if (file.approval_plugins && file.approvals) {
    throw new ConfigError('approvals', 'use either approval_plugins or its alias approvals, not both');
  }
  return file.approval_plugins ?? file.approvals ?? [];
}

function checkUniqueIds(models: ModelConfig[], path: string): ModelConfig[] {
  const seen = new Set<string>();
  models.forEach((model, index) => {
    if (seen.has(model.id)) {
      throw new ConfigError(`${path}[${index}].id`, `duplicate model id ${JSON.stringify(model.id)}`);
    }
    seen.add(model.id);
  });
  return models;
}

function checkEmail(raw: string, path: string): string {
  const check = normalizeEmail(raw);
  if (!check.ok) {
    throw new ConfigError(path, `${check.problem}, got ${JSON.stringify(raw)}`);
  }
  return check.email;
}

function parseOrigins(text: string): '*' | string[] {
  const origins = text
    .split(/[;,]/)
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  return origins.length === 0 || origins.includes('*') ? '*' : origins;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function readOptionalFile(path: string): string | undefined {
  try {
    return nonEmpty(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Typed env access; each parser names the env var (or config key) in its error. */
function envReader(env: NodeJS.ProcessEnv) {
  const string = (name: string) => nonEmpty(env[name]);
  return {
    string,
    bool(name: string, fromFile: boolean | undefined): boolean | undefined {
      const raw = string(name);
      if (raw === undefined) {
        return fromFile;
      }
      const lower = raw.toLowerCase();
      if (['true', '1', 'yes'].includes(lower)) {
        return true;
      }
      if (['false', '0', 'no'].includes(lower)) {
        return false;
      }
      throw new ConfigError(name, `must be true/false/1/0/yes/no, got ${JSON.stringify(raw)}`);
    },
    port(name: string, fromFile: number | undefined): number | undefined {
      const raw = string(name);
      if (raw === undefined) {
        return fromFile;
      }
      const port = Number(raw);
      if (!/^\d+$/.test(raw) || port < 0 || port > 65535) {
        throw new ConfigError(name, `must be a port number 0-65535, got ${JSON.stringify(raw)}`);
      }
      return port;
    },
    duration(name: string | null, path: string, fromFile: string | undefined): number | undefined {
      const fromEnv = name === null ? undefined : string(name);
      const raw = fromEnv ?? fromFile;
      if (raw === undefined) {
        return undefined;
      }
      const ms = parseDuration(raw);
      if (ms === null) {
        throw new ConfigError(
          fromEnv === undefined || name === null ? path : name,
          `must be a duration like 500ms, 30s, 5m or 1h, got ${JSON.stringify(raw)}`,
        );
      }
      return ms;
    },
    url(name: string, path: string, fromFile: string | undefined): string | undefined {
      const fromEnv = string(name);
      const raw = fromEnv ?? nonEmpty(fromFile);
      if (raw === undefined) {
        return undefined;
      }
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new ConfigError(
          fromEnv === undefined ? path : name,
          `must be an http(s) URL, got ${JSON.stringify(raw)}`,
        );
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ConfigError(
          fromEnv === undefined ? path : name,
          `must be an http(s) URL, got ${JSON.stringify(raw)}`,
        );
      }
      return raw.replace(/\/+$/, '');
    },
    email(name: string, path: string, fromFile: string | undefined): string | undefined {
      const fromEnv = string(name);
      const raw = fromEnv ?? nonEmpty(fromFile);
      return raw === undefined ? undefined : checkEmail(raw, fromEnv === undefined ? path : name);
    },
    logLevel(name: string): string | undefined {
      const raw = string(name)?.toLowerCase();
      if (raw !== undefined && !LOG_LEVELS.includes(raw)) {
        throw new ConfigError(name, `must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
      }
      return raw;
    },
  };
}
