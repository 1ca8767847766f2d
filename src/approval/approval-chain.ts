import type { Logger } from '../shared/logger.js';
import type {
  ApprovalChain,
  ApprovalPlugin,
  ChainOutcome,
  Decision,
  LocalSubject,
  PluginVerdict,
} from './approval-types.js';

/** Both default reasons are exact strings of the Python service: users and scripts see them. */
export const NO_PLUGINS_REASON = 'No approval plugins configured';
export const ALL_CONTINUE_REASON = 'All approval plugins returned CONTINUE - denied by default';

const DECISIONS: readonly Decision[] = ['APPROVE', 'DENY', 'CONTINUE', 'REVIEW', 'PENDING'];

// Frozen: the same objects are handed to every caller.
const NO_PLUGINS: ChainOutcome = Object.freeze({ decision: 'DENY', reason: NO_PLUGINS_REASON, plugin: null });
const ALL_CONTINUE: ChainOutcome = Object.freeze({
  decision: 'DENY',
  reason: ALL_CONTINUE_REASON,
  plugin: null,
});

type ChainLogger = Pick<Logger, 'debug' | 'error'>;

/** Runs `plugins` in order: the first APPROVE, DENY, REVIEW or PENDING decides; CONTINUE
 * moves on; when nobody decides, the request is denied. Deny is the default everywhere, so
 * a missing rule or a broken plugin can only keep a key from being issued. */
export function createChain(plugins: readonly ApprovalPlugin[], logger: ChainLogger): ApprovalChain {
  const names = Object.freeze(plugins.map((plugin) => plugin.name));
  const reviewers = Object.freeze([...new Set(plugins.flatMap((plugin) => plugin.notify ?? []))]);
  return {
    plugins: names,
    reviewers,
    async evaluate(subject) {
      if (plugins.length === 0) {
        return NO_PLUGINS;
      }
      for (const [index, plugin] of plugins.entries()) {
        const fields = { plugin: plugin.name, index, requestId: subject.requestId };
        let result: unknown;
        try {
          result = await plugin.evaluate(subject);
        } catch (error) {
          result = thrown(error, fields, logger);
        }
        const outcome = decided(plugin, checked(result, fields, logger));
        if (outcome !== null) {
          return outcome;
        }
      }
      return ALL_CONTINUE;
    },
    decideLocally(subject: LocalSubject) {
      for (const [index, plugin] of plugins.entries()) {
        if (plugin.decideLocally === undefined) {
          return null;
        }
        const fields = { plugin: plugin.name, index };
        let result: unknown;
        try {
          result = plugin.decideLocally(subject);
        } catch (error) {
          result = thrown(error, fields, logger);
        }
        const outcome = decided(plugin, checked(result, fields, logger));
        if (outcome !== null) {
          // PENDING waits for someone to answer later: the worker's to ask.
          return outcome.decision === 'PENDING' ? null : outcome;
        }
      }
      // The chain's default (no plugins, all CONTINUE) is the worker's, which the history names.
      return null;
    },
  };
}

/** Expected failures are CONTINUE results; a throw is a bug. It must not approve, and it must
 * not stop the chain either: later plugins may still deny or decide. */
function thrown(error: unknown, fields: object, logger: ChainLogger): PluginVerdict {
  logger.error({ ...fields, err: error }, 'approval plugin failed unexpectedly; treating it as CONTINUE');
  return { decision: 'CONTINUE' };
}

/** A plugin's result, or CONTINUE for one that is not a valid verdict. */
function checked(result: unknown, fields: object, logger: ChainLogger): PluginVerdict {
  const decision = (result as Partial<PluginVerdict> | undefined)?.decision;
  if (decision === undefined || !DECISIONS.includes(decision)) {
    logger.error(
      { ...fields, decision: String(decision) },
      'approval plugin returned no valid decision; treating it as CONTINUE',
    );
    return { decision: 'CONTINUE' };
  }
  const verdict = result as PluginVerdict;
  logger.debug({ ...fields, decision, reason: verdict.reason }, 'approval plugin decided');
  return verdict;
}

/** The chain's outcome when `verdict` ends it; null for CONTINUE. */
function decided(plugin: ApprovalPlugin, verdict: PluginVerdict): ChainOutcome | null {
  const { decision } = verdict;
  if (decision === 'CONTINUE') {
    return null;
  }
  return { decision, reason: verdict.reason ?? defaultReason(decision, plugin), plugin: plugin.name };
}

function defaultReason(decision: Exclude<Decision, 'CONTINUE'>, plugin: ApprovalPlugin): string {
  switch (decision) {
    case 'APPROVE':
      return `Approved by the ${plugin.name} plugin`;
    case 'DENY':
      return `Denied by the ${plugin.name} plugin`;
    case 'REVIEW':
      return 'Requires admin review';
    case 'PENDING':
      return `Waiting for the ${plugin.name} plugin to decide`;
  }
}
