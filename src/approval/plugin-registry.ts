import type { Static, TSchema } from 'typebox';
import { ConfigError, pointerToPath } from '../config/config-error.js';
import type { PluginEntry } from '../config/config-schema.js';
import { createChain } from './approval-chain.js';
import {
  type ApprovalChain,
  type ApprovalPlugin,
  isPluginName,
  PLUGIN_NAMES,
  type PluginName,
} from './approval-types.js';
import {
  findSchemaIssue,
  PluginConfigIssue,
  type PluginDefinition,
  type PluginDeps,
} from './plugin-config.js';
import { blacklistPlugin } from './plugins/blacklist-plugin.js';
import { emailPlugin } from './plugins/email-plugin.js';
import { httpPlugin } from './plugins/http-plugin.js';
import { humanInTheLoopPlugin, reviewPlugin } from './plugins/review-plugin.js';
import { whitelistPlugin } from './plugins/whitelist-plugin.js';

/** Every plugin, by the name operators write. Immutable definitions, no state. */
export const PLUGIN_REGISTRY = {
  http: httpPlugin,
  blacklist: blacklistPlugin,
  whitelist: whitelistPlugin,
  email: emailPlugin,
  review: reviewPlugin,
  humanintheloop: humanInTheLoopPlugin,
} as const satisfies { readonly [K in PluginName]: PluginDefinition<TSchema> };

export type PluginConfigOf<K extends PluginName> = Static<(typeof PLUGIN_REGISTRY)[K]['schema']>;

/** A checked `approval_plugins` entry: the config type follows from the name. */
export type PluginConfig = { [K in PluginName]: { name: K; config: PluginConfigOf<K> } }[PluginName];

export interface ApprovalChainDeps {
  logger: PluginDeps['logger'];
  /** The config key the entries came from, for error paths: `approval_plugins`
   * (default) or its alias `approvals`. */
  configKey?: string;
}

/** Builds the chain from the config entries, checking every entry first. Throws
 * ConfigError naming the exact key, e.g. `approval_plugins[2].config.list`.
 * No I/O: call it at start-up so a bad rule stops the process before it listens. */
export function createApprovalChain(entries: readonly PluginEntry[], deps: ApprovalChainDeps): ApprovalChain {
  return createChain(createPlugins(entries, deps), deps.logger);
}

export function createPlugins(entries: readonly PluginEntry[], deps: ApprovalChainDeps): ApprovalPlugin[] {
  const key = deps.configKey ?? 'approval_plugins';
  const pluginDeps: PluginDeps = { logger: deps.logger };
  return entries.map((entry, index) => {
    if (!isPluginName(entry.name)) {
      throw new ConfigError(
        pointerToPath(`/${index}/name`, key),
        `unknown approval plugin ${JSON.stringify(entry.name)}; valid names are ${PLUGIN_NAMES.join(', ')}`,
      );
    }
    // The registry is keyed by name, so this definition's schema is what `config` is
    // checked against below; TypeScript cannot follow that correlation by itself.
    const definition: PluginDefinition<TSchema> = PLUGIN_REGISTRY[entry.name];
    const config = entry.config ?? {};
    const at = (issue: PluginConfigIssue) =>
      new ConfigError(pointerToPath(`/${index}/config${issue.pointer}`, key), issue.problem);
    const issue = findSchemaIssue(definition.schema, config);
    if (issue) {
      throw at(issue);
    }
    try {
      return definition.create(config, pluginDeps);
    } catch (error) {
      throw error instanceof PluginConfigIssue ? at(error) : error;
    }
  });
}
