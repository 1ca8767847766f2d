/** The plugin names operators write under `approval_plugins[].name`; `humanintheloop` is the
 * original service's name of `review`. */
export const PLUGIN_NAMES = ['http', 'blacklist', 'whitelist', 'email', 'review', 'humanintheloop'] as const;
export type PluginName = (typeof PLUGIN_NAMES)[number];

export function isPluginName(value: unknown): value is PluginName {
  return typeof value === 'string' && (PLUGIN_NAMES as readonly string[]).includes(value);
}

/** APPROVE, DENY, REVIEW and PENDING end the chain; CONTINUE hands the request to the next
 * plugin. Only the review plugin returns REVIEW; PENDING (only the http plugin) leaves the
 * request pending, to be asked again on a later pass. */
export type Decision = 'APPROVE' | 'DENY' | 'CONTINUE' | 'REVIEW' | 'PENDING';

export interface ApprovalSubject {
  requestId: string;
  /** Already trimmed and lower-cased (requests/email.ts). */
  email: string;
  model: string;
}

/** What a local plugin decides from: the address and the model, not the request's id (a request
 * decided as it is submitted has none yet). */
export type LocalSubject = Pick<ApprovalSubject, 'email' | 'model'>;

/** What a plugin says about a request: domain data, not an error result. A plugin that
 * cannot decide (its endpoint is down) says CONTINUE. */
export interface PluginVerdict {
  decision: Decision;
  /** Shown to the requester (email, status API) for a final decision, so it must not
   * contain anything the requester may not see; the email address is left out too,
   * because the public status endpoint never reveals it. */
  reason?: string;
}

/** Expected failures (an endpoint down, a bad answer) are results, not exceptions:
 * a plugin resolves CONTINUE for them. A rejection is a bug; the chain treats it as
 * CONTINUE too, so a bug can never approve a request. */
export interface ApprovalPlugin {
  readonly name: PluginName;
  /** Addresses that get the review notice of a request parked by the chain, besides
   * `admin.notify` (the `humanintheloop` plugin's `email`). */
  readonly notify?: readonly string[];
  /** Decides from the address and model alone, at once (no I/O): present on every plugin but
   * http, so a chain of such plugins decides a request as it is submitted. */
  decideLocally?(subject: LocalSubject): PluginVerdict;
  evaluate(subject: ApprovalSubject): Promise<PluginVerdict>;
}

export interface ChainOutcome {
  decision: Exclude<Decision, 'CONTINUE'>;
  reason: string;
  /** The plugin that decided; null when the chain's default decided (no plugins, all CONTINUE). */
  plugin: PluginName | null;
}

export interface ApprovalChain {
  readonly plugins: readonly PluginName[];
  /** Every plugin's `notify` addresses, once each, in plugin order. */
  readonly reviewers: readonly string[];
  /** Never rejects. */
  evaluate(subject: ApprovalSubject): Promise<ChainOutcome>;
  /** The outcome `evaluate` would give, when a local plugin (`decideLocally`) decides before
   * any plugin that asks elsewhere (http) has its turn; null otherwise (and for the chain's
   * default decisions): the worker then runs the whole chain. Never throws. */
  decideLocally(subject: LocalSubject): ChainOutcome | null;
}
