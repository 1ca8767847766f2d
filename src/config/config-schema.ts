import { type Static, Type } from 'typebox';
import { MAX_EMAIL_LENGTH, MODEL_ID_PATTERN } from '../requests/limits.js';

/** The config file as operators write it (snake_case, see docs/design.md). Every object is
 * closed: an unknown key is a typo, and a typo must stop the process, not be ignored. */
const closed = { additionalProperties: false } as const;

export const KeySettingsSchema = Type.Object(
  {
    duration: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    max_budget: Type.Optional(Type.Number({ minimum: 0 })),
    budget_duration: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    rpm_limit: Type.Optional(Type.Integer({ minimum: 0 })),
    tpm_limit: Type.Optional(Type.Integer({ minimum: 0 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  closed,
);
export type KeySettings = Static<typeof KeySettingsSchema>;

export const ModelSchema = Type.Object(
  {
    id: Type.String({ pattern: MODEL_ID_PATTERN }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    icon: Type.Optional(Type.String({ maxLength: 2000 })),
    color: Type.Optional(Type.String({ maxLength: 64 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    subtitle: Type.Optional(Type.String({ maxLength: 400 })),
    documentation_link: Type.Optional(Type.String({ maxLength: 2000 })),
    featured: Type.Optional(Type.Boolean()),
    key: Type.Optional(KeySettingsSchema),
  },
  closed,
);
export type ModelConfig = Static<typeof ModelSchema>;

export const PluginEntrySchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    // Each plugin validates its own config (approval/plugin-registry.ts).
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  closed,
);
export type PluginEntry = Static<typeof PluginEntrySchema>;

const Str = Type.String();
const Bool = Type.Boolean();
/** Settings the original service read as strings too (`use_tls: "yes"`, `port: "587"`); the
 * setting's parser (config/setting-parsers.ts) decides what the text means. */
const BoolOrText = Type.Union([Type.Boolean(), Type.String()]);
const PortOrText = Type.Union([Type.Integer(), Type.String()]);

/** One rate limit under `limits:`: at most `max` (0 = no limit) per `window` (a duration). */
const RateLimitSchema = Type.Object(
  {
    max: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    window: Type.Optional(Str),
  },
  closed,
);

export const ConfigFileSchema = Type.Object(
  {
    litellm: Type.Optional(
      Type.Object(
        {
          base_url: Type.Optional(Str),
          api_key: Type.Optional(Str),
          gateway_url: Type.Optional(Str),
          enable_litellm_models: Type.Optional(BoolOrText),
          key_defaults: Type.Optional(KeySettingsSchema),
        },
        closed,
      ),
    ),
    models: Type.Optional(Type.Array(ModelSchema)),
    featured_models: Type.Optional(Type.Array(ModelSchema)),
    allow_unlisted_models: Type.Optional(Bool),
    approval: Type.Optional(
      Type.Object(
        {
          queue_interval: Type.Optional(Str),
          claim_timeout: Type.Optional(Str),
          concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
        },
        closed,
      ),
    ),
    approval_plugins: Type.Optional(Type.Union([Type.Array(PluginEntrySchema), Type.Null()])),
    approvals: Type.Optional(Type.Union([Type.Array(PluginEntrySchema), Type.Null()])),
    smtp: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Str),
          port: Type.Optional(PortOrText),
          user: Type.Optional(Str),
          password: Type.Optional(Str),
          from: Type.Optional(Str),
          use_tls: Type.Optional(BoolOrText),
          start_tls: Type.Optional(BoolOrText),
          verify_ssl: Type.Optional(BoolOrText),
        },
        closed,
      ),
    ),
    admin: Type.Optional(
      Type.Object(
        {
          username: Type.Optional(Str),
          password: Type.Optional(Str),
          notify: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: MAX_EMAIL_LENGTH }))),
        },
        closed,
      ),
    ),
    kubernetes: Type.Optional(Type.Object({ namespace: Type.Optional(Str) }, closed)),
    portal: Type.Optional(
      Type.Object(
        {
          default_language: Type.Optional(Str),
          // Text shown in a dialog, or an http(s) link to the terms.
          terms: Type.Optional(Type.String({ maxLength: 20_000 })),
        },
        closed,
      ),
    ),
    // The key lifecycle and the requester's page; `0` may be written as a number.
    email: Type.Optional(Type.Object({ ignore_plus_tags: Type.Optional(Bool) }, closed)),
    lifecycle: Type.Optional(
      Type.Object(
        {
          remind_before: Type.Optional(Type.Union([Str, Type.Number()])),
          deny_cooldown: Type.Optional(Type.Union([Str, Type.Number()])),
        },
        closed,
      ),
    ),
    retain_api_keys: Type.Optional(Bool),
    public_url: Type.Optional(Str),
    mcp: Type.Optional(Type.Object({ api_key: Type.Optional(Str) }, closed)),
    trust_proxy: Type.Optional(Type.Union([Bool, Type.Integer({ minimum: 0, maximum: 999 }), Str])),
    limits: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Bool),
          request_key_per_ip: Type.Optional(RateLimitSchema),
          new_requests_per_address: Type.Optional(RateLimitSchema),
          new_requests_per_domain: Type.Optional(RateLimitSchema),
          failed_sign_ins_per_ip: Type.Optional(RateLimitSchema),
          headers_timeout: Type.Optional(Str),
          request_timeout: Type.Optional(Str),
          keep_alive_timeout: Type.Optional(Str),
          connection_timeout: Type.Optional(Str),
          max_connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        },
        closed,
      ),
    ),
  },
  closed,
);
export type ConfigFile = Static<typeof ConfigFileSchema>;
