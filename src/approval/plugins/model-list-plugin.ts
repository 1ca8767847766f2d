import { Type } from 'typebox';
import type { ApprovalPlugin, Decision, PluginName } from '../approval-types.js';
import { compileGlob, firstMatch } from '../glob.js';
import {
  closed,
  localPlugin,
  PatternListSchema,
  PluginConfigIssue,
  type PluginDefinition,
} from '../plugin-config.js';

/** `list`, or `patterns`, which the original service read as the same list: one of the two. */
export const ModelListConfigSchema = Type.Object(
  { list: Type.Optional(PatternListSchema), patterns: Type.Optional(PatternListSchema) },
  closed,
);

/** A plugin that decides `decision` for a model matching any pattern of `list`
 * (case-sensitive, like model ids) and answers CONTINUE otherwise. */
export function modelListPlugin(
  name: PluginName,
  decision: Decision,
  reason: (model: string, pattern: string) => string,
): PluginDefinition<typeof ModelListConfigSchema> {
  return {
    schema: ModelListConfigSchema,
    create(config): ApprovalPlugin {
      if (config.list !== undefined && config.patterns !== undefined) {
        throw new PluginConfigIssue('/patterns', 'use either list or its alias patterns, not both');
      }
      const patterns = config.list ?? config.patterns;
      if (patterns === undefined) {
        throw new PluginConfigIssue('/list', 'is required');
      }
      const globs = patterns.map((pattern) => compileGlob(pattern));
      return localPlugin(name, ({ model }) => {
        const hit = firstMatch(globs, model);
        return hit ? { decision, reason: reason(model, hit.pattern) } : { decision: 'CONTINUE' };
      });
    },
  };
}
