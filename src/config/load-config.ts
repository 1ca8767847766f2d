import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Value } from 'typebox/value';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { AppConfig, LimitsConfig } from './app-config.js';
import { ConfigError, firstSchemaProblem, pointerToPath } from './config-error.js';
import { type ConfigFile, ConfigFileSchema, type ModelConfig } from './config-schema.js';
import { email, type RawValue } from './setting-parsers.js';
import {
  type DefaultContext,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValues,
} from './settings.js';

export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface LoadConfigOptions {
  env: NodeJS.ProcessEnv;
  /** Directory that relative paths (CONFIG_FILE, SQLITE_PATH) resolve against. */
  cwd: string;
  serviceAccountNamespaceFile?: string;
}

/** Where the config file is read from: CONFIG_FILE, relative to `cwd`. */
export function configFilePath(env: NodeJS.ProcessEnv, cwd: string): string {
  const context = { env, serviceAccountNamespaceFile: SERVICE_ACCOUNT_NAMESPACE_FILE, resolved: {} };
  return resolve(cwd, settingValue('configFile', SETTINGS.configFile, env, {}, context));
}

/** Reads CONFIG_FILE, validates it, applies env overrides and defaults (config/settings.ts).
 * Throws ConfigError naming the offending key or env var. */
export function loadConfig({
  env,
  cwd,
  serviceAccountNamespaceFile = SERVICE_ACCOUNT_NAMESPACE_FILE,
}: LoadConfigOptions): AppConfig {
  const file = readConfigFile(configFilePath(env, cwd));
  const values = resolveSettings(file, env, serviceAccountNamespaceFile);
  if ((values.adminUsername === null) !== (values.adminPassword === null)) {
    throw new ConfigError(
      values.adminUsername === null ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD',
      'admin username and password must be set together (or neither, which turns the admin API off)',
    );
  }

  return {
    server: { host: values.host, port: values.port, corsOrigins: values.corsOrigins },
    logLevel: values.logLevel,
    store: {
      kind: values.storeKind,
      sqlitePath: resolve(cwd, values.sqlitePath),
      namespace: values.namespace,
    },
    litellm: {
      baseUrl: values.litellmBaseUrl,
      apiKey: values.litellmApiKey,
      gatewayUrl: values.litellmGatewayUrl,
      enableModels: values.enableLitellmModels,
      keyDefaults: file.litellm?.key_defaults ?? {},
    },
    models: checkUniqueIds(file.models ?? [], 'models'),
    featuredModels: checkUniqueIds(file.featured_models ?? [], 'featured_models'),
    allowUnlistedModels: values.allowUnlistedModels,
    approval: {
      queueIntervalMs: values.queueInterval,
      claimTimeoutMs: values.claimTimeout,
      concurrency: values.concurrency,
    },
    approvalPlugins: pluginEntries(file),
    approvalPluginsKey: file.approvals ? 'approvals' : 'approval_plugins',
    smtp: {
      host: values.smtpHost,
      port: values.smtpPort,
      user: values.smtpUser,
      password: values.smtpPassword,
      from: values.smtpFrom,
      useTls: values.smtpUseTls,
      startTls: values.smtpStartTls,
      verifySsl: values.smtpVerifySsl,
    },
    mcp: { apiKey: values.mcpApiKey },
    admin: {
      username: values.adminUsername,
      password: values.adminPassword,
      notify: (file.admin?.notify ?? []).map((raw, index) => {
        const path = `admin.notify[${index}]`;
        return email(raw, path) ?? fail(path, 'must not be empty');
      }),
    },
    portal: { defaultLanguage: values.portalDefaultLanguage, terms: values.portalTerms },
    email: { ignorePlusTags: values.ignorePlusTags },
    lifecycle: { remindBeforeMs: values.remindBefore, denyCooldownMs: values.denyCooldown },
    retainApiKeys: values.retainApiKeys,
    publicUrl: values.publicUrl,
    limits: limitsOf(values),
    trustProxy: values.trustProxy,
  };
}

/** The `limits:` settings at their defaults, for building the app without a config file
 * (the OpenAPI document, tests of single plugins). */
export function defaultLimits(): LimitsConfig {
  return limitsOf(resolveSettings({}, {}, SERVICE_ACCOUNT_NAMESPACE_FILE));
}

/** The `limits:` rows as one object. Node refuses a headers timeout above the request timeout. */
function limitsOf(values: SettingValues): LimitsConfig {
  if (values.headersTimeout > values.requestTimeout) {
    fail('limits.headers_timeout', 'must not be longer than limits.request_timeout');
  }
  return {
    rateLimitsEnabled: values.rateLimitsEnabled,
    requestKeyPerIp: { max: values.requestKeyPerIpMax, windowMs: values.requestKeyPerIpWindow },
    newRequestsPerAddress: {
      max: values.newRequestsPerAddressMax,
      windowMs: values.newRequestsPerAddressWindow,
    },
    newRequestsPerDomain: {
      max: values.newRequestsPerDomainMax,
      windowMs: values.newRequestsPerDomainWindow,
    },
    failedSignInsPerIp: { max: values.failedSignInsPerIpMax, windowMs: values.failedSignInsPerIpWindow },
    headersTimeoutMs: values.headersTimeout,
    requestTimeoutMs: values.requestTimeout,
    keepAliveTimeoutMs: values.keepAliveTimeout,
    connectionTimeoutMs: values.connectionTimeout,
    maxConnections: values.maxConnections,
  };
}

/** Every row of the settings table, top to bottom: env var, else config key, else default. */
function resolveSettings(
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  serviceAccountNamespaceFile: string,
): SettingValues {
  const resolved: Record<string, unknown> = {};
  const context: DefaultContext = { env, serviceAccountNamespaceFile, resolved };
  for (const [name, row] of Object.entries(SETTINGS) as [SettingName, Setting<unknown>][]) {
    resolved[name] = settingValue(name, row, env, file, context);
  }
  return resolved as SettingValues;
}

function settingValue<T>(
  name: string,
  row: Setting<T>,
  env: NodeJS.ProcessEnv,
  file: unknown,
  context: DefaultContext,
): T {
  const fromEnv = envValue(env, row)?.trim();
  if (row.env !== null && fromEnv) {
    return row.parse(fromEnv, row.env) ?? fail(row.env, 'must not be empty');
  }
  const fromFile = row.key === null ? undefined : valueAt(file, row.key);
  const parsed = fromFile === undefined || row.key === null ? undefined : row.parse(fromFile, row.key);
  if (parsed !== undefined) {
    return parsed;
  }
  if (typeof row.default !== 'string') {
    return row.default.value(context);
  }
  // A written default is parsed like an operator's value; a bad one is a bug in the table.
  return row.parse(row.default, `the default of ${name}`) ?? fail(name, 'has no default');
}

/** The row's variable: its exact name, else (for `anyCase` rows) the first set variable whose
 * name differs only in case. */
function envValue(env: NodeJS.ProcessEnv, row: Setting<unknown>): string | undefined {
  if (row.env === null) {
    return undefined;
  }
  const exact = env[row.env];
  if (exact?.trim() || !row.anyCase) {
    return exact;
  }
  const wanted = row.env.toLowerCase();
  const name = Object.keys(env).find(
    (candidate) => candidate.toLowerCase() === wanted && env[candidate]?.trim(),
  );
  return name === undefined ? exact : env[name];
}

/** `smtp.port` in the parsed file; the schema has checked it is a scalar where a row points. */
function valueAt(file: unknown, key: string): RawValue | undefined {
  let node: unknown = file;
  for (const part of key.split('.')) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  }
  return typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' ? node : undefined;
}

function fail(path: string, problem: string): never {
  throw new ConfigError(path, problem);
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
