/** The plugin names operators write under `approval_plugins[].name`. */
export const PLUGIN_NAMES = ['http', 'blacklist', 'whitelist', 'email', 'review'] as const;
export type PluginName = (typeof PLUGIN_NAMES)[number];

export function isPluginName(value: unknown): value is PluginName {
  return typeof value === 'string' && (PLUGIN_NAMES as readonly string[]).includes(value);
}

/** APPROVE, DENY and REVIEW end the chain; CONTINUE hands the request to the next plugin.
 * Only the review plugin returns REVIEW. */
export type Decision = 'APPROVE' | 'DENY' | 'CONTINUE' | 'REVIEW';

export interface ApprovalSubject {
  requestId: string;
  /** Already trimmed and lower-cased (requests/email.ts). */
  email: string;
  model: string;
}

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
  evaluate(subject: ApprovalSubject): Promise<PluginVerdict>;
}

export interface ChainOutcome {
  decision: 'APPROVE' | 'DENY' | 'REVIEW';
  reason: string;
  /** The plugin that decided; null when the chain's default decided (no plugins, all CONTINUE). */
  plugin: PluginName | null;
}

export interface ApprovalChain {
  readonly plugins: readonly PluginName[];
  /** Never rejects. */
  evaluate(subject: ApprovalSubject): Promise<ChainOutcome>;
}
