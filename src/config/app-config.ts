import type { KeySettings, ModelConfig, PluginEntry } from './config-schema.js';
import type { TrustProxy } from './trust-proxy.js';

/** At most `max` events per `windowMs`; `max` 0 means no limit. */
export interface RateLimit {
  max: number;
  windowMs: number;
}

/** Abuse limits and the HTTP server's timeouts (README "Security"). */
export interface LimitsConfig {
  /** false switches every rate limit off (benchmarks, load tests); timeouts stay. */
  rateLimitsEnabled: boolean;
  /** Every POST /api/request-key, per client IP. */
  requestKeyPerIp: RateLimit;
  /** New requests per canonical address and per email domain. */
  newRequestsPerAddress: RateLimit;
  newRequestsPerDomain: RateLimit;
  /** Wrong admin credentials, per client IP (admin API and /mcp). */
  failedSignInsPerIp: RateLimit;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectionTimeoutMs: number;
  maxConnections: number;
}

/** The resolved configuration: config file, then env overrides, then defaults. */
export interface AppConfig {
  server: { host: string; port: number; corsOrigins: '*' | string[] };
  logLevel: string;
  store: { kind: 'sqlite' | 'kubernetes'; sqlitePath: string; namespace: string };
  litellm: {
    baseUrl: string;
    apiKey: string;
    gatewayUrl: string;
    enableModels: boolean;
    keyDefaults: KeySettings;
  };
  models: ModelConfig[];
  featuredModels: ModelConfig[];
  allowUnlistedModels: boolean;
  approval: { queueIntervalMs: number; claimTimeoutMs: number; concurrency: number };
  approvalPlugins: PluginEntry[];
  /** Which key the plugin list came from (`approvals` is an alias), for error paths. */
  approvalPluginsKey: 'approval_plugins' | 'approvals';
  smtp: {
    host: string;
    port: number;
    user: string;
    password: string;
    from: string;
    useTls: boolean;
    /** null when neither `smtp.start_tls` nor SMTP_START_TLS says (see mail/smtp-options.ts). */
    startTls: boolean | null;
    verifySsl: boolean;
  };
  /** `apiKey`: a Bearer key accepted at /mcp besides the admin credentials; null = none. */
  mcp: { apiKey: string | null };
  admin: { username: string | null; password: string | null; notify: string[] };
  /** The web UI's settings: its fallback language and the terms a requester must accept (null: none). */
  portal: { defaultLanguage: 'en' | 'de' | 'es'; terms: string | null };
  email: { ignorePlusTags: boolean };
  lifecycle: { remindBeforeMs: number; denyCooldownMs: number };
  /** Keep the plain key after its approval mail (default: only its hash and last four characters). */
  retainApiKeys: boolean;
  /** Base of the links mailed to requesters, without a trailing slash. */
  publicUrl: string;
  limits: LimitsConfig;
  /** Whose X-Forwarded-For decides the client address (Fastify's trustProxy). */
  trustProxy: TrustProxy;
}
