import { readFileSync } from 'node:fs';
import {
  bool,
  duration,
  durationOrOff,
  email,
  logLevel,
  oneOf,
  origins,
  type Parser,
  port,
  text,
  url,
  verbatim,
  wholeNumber,
} from './setting-parsers.js';
import { trustProxy } from './trust-proxy.js';

/** What a computed default may look at. */
export interface DefaultContext {
  env: NodeJS.ProcessEnv;
  serviceAccountNamespaceFile: string;
  /** The settings above this one in the table, as resolved. */
  resolved: Readonly<Record<string, unknown>>;
}

/** A default that depends on something else; `doc` is how the README's table words it. */
export interface ComputedDefault<T> {
  doc: string;
  value: (context: DefaultContext) => T;
}

export interface Setting<T> {
  /** Where it sits in config.yaml, e.g. `smtp.port`; null when only the environment sets it. */
  key: string | null;
  /** The environment variable that overrides the file; null when only the file sets it. */
  env: string | null;
  /** The variable's name matches in any case (`litellm_base_url`), as it did for the original
   * service's settings library; the exact spelling wins when both are set. */
  anyCase?: true;
  parse: Parser<T>;
  /** Written as an operator would write the value (`30s`, `587`) and parsed like one, so the
   * README can show it as it is; or computed. */
  default: string | ComputedDefault<T>;
}

function setting<T>(row: Setting<T>): Setting<T> {
  return row;
}

function computed<T>(doc: string, value: (context: DefaultContext) => T): ComputedDefault<T> {
  return { doc, value };
}

const unset = computed<null>('unset', () => null);

/** Every scalar setting, one row each: the environment wins over config.yaml, which wins over
 * the default. The README's environment-variable table is checked against these rows
 * (settings.test.ts). The structured settings (models, featured_models, approval_plugins,
 * litellm.key_defaults, admin.notify) are file-only; the schema checks them and load-config.ts
 * reads them as they are. Rows are resolved top to bottom, so a computed default may use a row
 * above it. */
export const SETTINGS = {
  configFile: setting({ key: null, env: 'CONFIG_FILE', anyCase: true, parse: text, default: 'config.yaml' }),
  host: setting({ key: null, env: 'HOST', parse: text, default: '0.0.0.0' }),
  port: setting({ key: null, env: 'PORT', parse: port, default: '8000' }),
  corsOrigins: setting({ key: null, env: 'CORS_ORIGINS', anyCase: true, parse: origins, default: '*' }),
  logLevel: setting({ key: null, env: 'LOG_LEVEL', parse: logLevel, default: 'info' }),

  // Abuse limits and the HTTP server's timeouts (README "Security"). A rate limit's `max` of 0
  // switches that limit off; `limits.enabled: false` switches every rate limit off.
  trustProxy: setting({ key: 'trust_proxy', env: 'TRUST_PROXY', parse: trustProxy, default: 'false' }),
  rateLimitsEnabled: setting({
    key: 'limits.enabled',
    env: 'RATE_LIMITS_ENABLED',
    parse: bool,
    default: 'true',
  }),
  requestKeyPerIpMax: setting({
    key: 'limits.request_key_per_ip.max',
    env: null,
    parse: wholeNumber,
    default: '20',
  }),
  requestKeyPerIpWindow: setting({
    key: 'limits.request_key_per_ip.window',
    env: null,
    parse: duration,
    default: '1m',
  }),
  newRequestsPerAddressMax: setting({
    key: 'limits.new_requests_per_address.max',
    env: null,
    parse: wholeNumber,
    default: '5',
  }),
  newRequestsPerAddressWindow: setting({
    key: 'limits.new_requests_per_address.window',
    env: null,
    parse: duration,
    default: '1h',
  }),
  newRequestsPerDomainMax: setting({
    key: 'limits.new_requests_per_domain.max',
    env: null,
    parse: wholeNumber,
    default: '100',
  }),
  newRequestsPerDomainWindow: setting({
    key: 'limits.new_requests_per_domain.window',
    env: null,
    parse: duration,
    default: '1h',
  }),
  failedSignInsPerIpMax: setting({
    key: 'limits.failed_sign_ins_per_ip.max',
    env: null,
    parse: wholeNumber,
    default: '5',
  }),
  failedSignInsPerIpWindow: setting({
    key: 'limits.failed_sign_ins_per_ip.window',
    env: null,
    parse: duration,
    default: '15m',
  }),
  headersTimeout: setting({ key: 'limits.headers_timeout', env: null, parse: duration, default: '10s' }),
  requestTimeout: setting({ key: 'limits.request_timeout', env: null, parse: duration, default: '15s' }),
  keepAliveTimeout: setting({ key: 'limits.keep_alive_timeout', env: null, parse: duration, default: '65s' }),
  connectionTimeout: setting({ key: 'limits.connection_timeout', env: null, parse: duration, default: '2m' }),
  maxConnections: setting({ key: 'limits.max_connections', env: null, parse: wholeNumber, default: '1000' }),

  storeKind: setting({
    key: null,
    env: 'STATE_STORE',
    parse: oneOf(['sqlite', 'kubernetes']),
    default: computed('`kubernetes` if `KUBERNETES_SERVICE_HOST` is set, else `sqlite`', ({ env }) =>
      env.KUBERNETES_SERVICE_HOST?.trim() ? 'kubernetes' : 'sqlite',
    ),
  }),
  sqlitePath: setting({ key: null, env: 'SQLITE_PATH', parse: text, default: './data/key-requests.db' }),
  namespace: setting({
    key: 'kubernetes.namespace',
    env: 'KUBERNETES_NAMESPACE',
    parse: text,
    default: computed(
      'the service-account namespace file, else `default`',
      ({ serviceAccountNamespaceFile }) => readOptionalFile(serviceAccountNamespaceFile) ?? 'default',
    ),
  }),

  litellmBaseUrl: setting({
    key: 'litellm.base_url',
    env: 'LITELLM_BASE_URL',
    anyCase: true,
    parse: url,
    default: 'http://localhost:4000',
  }),
  litellmApiKey: setting({
    key: 'litellm.api_key',
    env: 'LITELLM_API_KEY',
    anyCase: true,
    parse: verbatim,
    default: '',
  }),
  litellmGatewayUrl: setting({
    key: 'litellm.gateway_url',
    env: 'LITELLM_GATEWAY_URL',
    anyCase: true,
    parse: url,
    default: computed('the base URL', ({ resolved }) => String(resolved.litellmBaseUrl)),
  }),
  enableLitellmModels: setting({
    key: 'litellm.enable_litellm_models',
    env: 'ENABLE_LITELLM_MODELS',
    anyCase: true,
    parse: bool,
    default: 'true',
  }),
  allowUnlistedModels: setting({ key: 'allow_unlisted_models', env: null, parse: bool, default: 'false' }),

  queueInterval: setting({
    key: 'approval.queue_interval',
    env: 'APPROVAL_QUEUE_INTERVAL',
    parse: duration,
    default: '30s',
  }),
  claimTimeout: setting({ key: 'approval.claim_timeout', env: null, parse: duration, default: '2m' }),
  // A step mostly waits on LiteLLM or the mail server: 32 at once keep the queue moving when they
  // answer slowly (each slot takes a new request as soon as its last one is done).
  concurrency: setting({ key: 'approval.concurrency', env: null, parse: wholeNumber, default: '32' }),

  smtpHost: setting({ key: 'smtp.host', env: 'SMTP_HOST', parse: text, default: 'localhost' }),
  smtpPort: setting({ key: 'smtp.port', env: 'SMTP_PORT', parse: port, default: '587' }),
  smtpUser: setting({ key: 'smtp.user', env: 'SMTP_USER', parse: verbatim, default: '' }),
  smtpPassword: setting({ key: 'smtp.password', env: 'SMTP_PASSWORD', parse: verbatim, default: '' }),
  smtpFrom: setting({ key: 'smtp.from', env: 'SMTP_FROM', parse: email, default: 'noreply@example.com' }),
  smtpUseTls: setting({ key: 'smtp.use_tls', env: 'SMTP_USE_TLS', parse: bool, default: 'true' }),
  smtpVerifySsl: setting({ key: 'smtp.verify_ssl', env: 'SMTP_VERIFY_SSL', parse: bool, default: 'true' }),

  // The original service's settings (docs/migrating.md): same keys, same variables.
  /** Unset is not `false`: with `use_tls: false`, an explicit `start_tls: false` and an absent
   * one both mean opportunistic STARTTLS, but the original's default was `true`, so
   * check-config tells an operator which one they have (docs/design.md, "SMTP TLS modes"). */
  smtpStartTls: setting<boolean | null>({
    key: 'smtp.start_tls',
    env: 'SMTP_START_TLS',
    parse: bool,
    default: unset,
  }),
  /** A static Bearer key for `/mcp`, accepted besides the admin credentials. */
  mcpApiKey: setting<string | null>({ key: 'mcp.api_key', env: 'MCP_API_KEY', parse: text, default: unset }),

  adminUsername: setting<string | null>({
    key: 'admin.username',
    env: 'ADMIN_USERNAME',
    parse: text,
    default: unset,
  }),
  adminPassword: setting<string | null>({
    key: 'admin.password',
    env: 'ADMIN_PASSWORD',
    parse: text,
    default: unset,
  }),

  // The web UI (docs/design.md, "Web UI"): the language a browser gets when none of its own
  // is offered (the original portal's was German), and the terms a requester must accept.
  portalDefaultLanguage: setting({
    key: 'portal.default_language',
    env: null,
    parse: oneOf(['en', 'de', 'es']),
    default: 'de',
  }),
  portalTerms: setting<string | null>({ key: 'portal.terms', env: null, parse: text, default: unset }),
  // The key lifecycle and the requester's page (docs/design.md, "Key lifecycle").
  ignorePlusTags: setting({ key: 'email.ignore_plus_tags', env: null, parse: bool, default: 'true' }),
  remindBefore: setting({ key: 'lifecycle.remind_before', env: null, parse: durationOrOff, default: '7d' }),
  denyCooldown: setting({ key: 'lifecycle.deny_cooldown', env: null, parse: durationOrOff, default: '24h' }),
  retainApiKeys: setting({ key: 'retain_api_keys', env: null, parse: bool, default: 'false' }),
  publicUrl: setting({
    key: 'public_url',
    env: 'PUBLIC_URL',
    parse: url,
    default: computed(
      '`http://localhost:<PORT>`',
      ({ resolved }) => `http://localhost:${String(resolved.port)}`,
    ),
  }),
};

export type SettingName = keyof typeof SETTINGS;
export type SettingValues = {
  [Name in SettingName]: (typeof SETTINGS)[Name] extends Setting<infer T> ? T : never;
};

function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
