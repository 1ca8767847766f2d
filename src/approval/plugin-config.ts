import { type Static, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { Logger } from '../shared/logger.js';
import type { ApprovalPlugin } from './approval-types.js';

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

interface SchemaError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

/** The first problem of `value` against `schema`, phrased for an operator, or null. */
export function findSchemaIssue(schema: TSchema, value: unknown): PluginConfigIssue | null {
  const errors = [...Value.Errors(schema, value)] as SchemaError[];
  // Errors inside a union's branches are explained by the union's own error below.
  const first = errors.find((error) => !error.schemaPath.includes('/anyOf/'));
  if (!first) {
    return null;
  }
  switch (first.keyword) {
    case 'boolean':
      // typebox reports `additionalProperties: false` as a false schema at the extra key.
      return new PluginConfigIssue(first.instancePath, 'unknown key');
    case 'additionalProperties': {
      const names = (first.params.additionalProperties as string[] | undefined) ?? [];
      return new PluginConfigIssue(`${first.instancePath}/${escapePointer(names[0] ?? '?')}`, 'unknown key');
    }
    case 'required': {
      const names = (first.params.requiredProperties as string[] | undefined) ?? [];
      return new PluginConfigIssue(`${first.instancePath}/${escapePointer(names[0] ?? '?')}`, 'is required');
    }
    case 'minLength':
      return new PluginConfigIssue(
        first.instancePath,
        first.params.limit === 1 ? 'must not be empty' : first.message,
      );
    case 'anyOf':
      return new PluginConfigIssue(first.instancePath, unionProblem(first, errors));
    default:
      return new PluginConfigIssue(first.instancePath, first.message);
  }
}

/** A value of the right type for one branch that breaks that branch's constraint is
 * best explained by the constraint ("must be <= 60"); otherwise list the types. */
function unionProblem(union: SchemaError, errors: SchemaError[]): string {
  const branches = errors.filter(
    (error) =>
      error.instancePath === union.instancePath && error.schemaPath.startsWith(`${union.schemaPath}/anyOf/`),
  );
  const constraint = branches.find((error) => error.keyword !== 'type');
  if (constraint) {
    return constraint.message;
  }
  const types = branches.map((error) => String(error.params.type));
  return types.length > 0 ? `must be ${types.join(' or ')}` : union.message;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
