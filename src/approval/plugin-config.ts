import { type Static, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import { firstSchemaProblem } from '../config/config-error.js';
import type { Logger } from '../shared/logger.js';
import type { ApprovalPlugin, LocalSubject, PluginName, PluginVerdict } from './approval-types.js';

/** Plugin configs are closed objects: an unknown key is a typo, and a typo in an
 * approval rule must stop the process rather than silently change who gets a key. */
export const closed = { additionalProperties: false } as const;

export const PatternSchema = Type.String({ minLength: 1, maxLength: 500 });
export const PatternListSchema = Type.Array(PatternSchema, { maxItems: 1000 });

export interface PluginDeps {
  logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

/** One entry of the plugin registry: the plugin's own config schema and its factory.
 * `create` receives a config that passed `schema`; it throws PluginConfigIssue for
 * what a schema cannot say (a URL's scheme, a duration's range). */
export interface PluginDefinition<S extends TSchema> {
  readonly schema: S;
  create(config: Static<S>, deps: PluginDeps): ApprovalPlugin;
}

/** A problem in one plugin's config. `pointer` is relative to that config
 * (`/list/2`); the registry turns it into `approval_plugins[0].config.list[2]`. */
export class PluginConfigIssue extends Error {
  constructor(
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(`${pointer}: ${problem}`);
    this.name = 'PluginConfigIssue';
  }
}

/** The first problem of `value` against `schema`, phrased for an operator, or null. */
export function findSchemaIssue(schema: TSchema, value: unknown): PluginConfigIssue | null {
  const problem = firstSchemaProblem(Value.Errors(schema, value));
  return problem ? new PluginConfigIssue(problem.pointer, problem.problem) : null;
}

/** A plugin that decides from the address and model alone, without I/O: `decideLocally` is
 * `decide`, and `evaluate` answers the same. */
export function localPlugin(
  name: PluginName,
  decide: (subject: LocalSubject) => PluginVerdict,
  notify?: readonly string[],
): ApprovalPlugin {
  return {
    name,
    ...(notify === undefined ? {} : { notify }),
    decideLocally: decide,
    evaluate: async (subject) => decide(subject),
  };
}
