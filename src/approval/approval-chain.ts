import type { Logger } from '../shared/logger.js';
import type {
  ApprovalChain,
  ApprovalPlugin,
  ApprovalSubject,
  Decision,
  PluginVerdict,
} from './approval-types.js';

/** Both default reasons are exact strings of the Python service: users and scripts see them. */
export const NO_PLUGINS_REASON = 'No approval plugins configured';
export const ALL_CONTINUE_REASON = 'All approval plugins returned CONTINUE - denied by default';

const DECISIONS: readonly Decision[] = ['APPROVE', 'DENY', 'CONTINUE', 'REVIEW', 'PENDING'];

/** Runs `plugins` in order: the first APPROVE, DENY, REVIEW or PENDING decides; CONTINUE
 * moves on; when nobody decides, the request is denied. Deny is the default everywhere, so
 * a missing rule or a broken plugin can only keep a key from being issued. */
export function createChain(
  plugins: readonly ApprovalPlugin[],
  logger: Pick<Logger, 'debug' | 'error'>,
): ApprovalChain {
  const names = Object.freeze(plugins.map((plugin) => plugin.name));
  const reviewers = Object.freeze([...new Set(plugins.flatMap((plugin) => plugin.notify ?? []))]);
  return {
    plugins: names,
    reviewers,
    async evaluate(subject) {
      if (plugins.length === 0) {
        return { decision: 'DENY', reason: NO_PLUGINS_REASON, plugin: null };
      }
      for (const [index, plugin] of plugins.entries()) {
        const result = await runPlugin(plugin, index, subject, logger);
        if (result.decision !== 'CONTINUE') {
          return {
            decision: result.decision,
            reason: result.reason ?? defaultReason(result.decision, plugin),
            plugin: plugin.name,
          };
        }
      }
      return { decision: 'DENY', reason: ALL_CONTINUE_REASON, plugin: null };
    },
  };
}

async function runPlugin(
  plugin: ApprovalPlugin,
  index: number,
  subject: ApprovalSubject,
  logger: Pick<Logger, 'debug' | 'error'>,
): Promise<PluginVerdict> {
  const fields = { plugin: plugin.name, index, requestId: subject.requestId };
  let result: PluginVerdict;
  try {
    result = await plugin.evaluate(subject);
  } catch (error) {
    // Expected failures are CONTINUE results; a throw is a bug. It must not approve,
    // and it must not stop the chain either: later plugins may still deny or decide.
    logger.error({ ...fields, err: error }, 'approval plugin failed unexpectedly; treating it as CONTINUE');
    return { decision: 'CONTINUE' };
  }
  if (!DECISIONS.includes(result?.decision)) {
    logger.error(
      { ...fields, decision: String(result?.decision) },
      'approval plugin returned no valid decision; treating it as CONTINUE',
    );
    return { decision: 'CONTINUE' };
  }
  logger.debug({ ...fields, decision: result.decision, reason: result.reason }, 'approval plugin decided');
  return result;
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
