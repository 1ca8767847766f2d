import { Type } from 'typebox';
import type { ApprovalPlugin, Decision, PluginName } from '../approval-types.js';
import { compileGlob, firstMatch } from '../glob.js';
import { closed, PatternListSchema, type PluginDefinition } from '../plugin-config.js';

export const ModelListConfigSchema = Type.Object({ list: PatternListSchema }, closed);

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
      const globs = config.list.map((pattern) => compileGlob(pattern));
      return {
        name,
        async evaluate({ model }) {
          const hit = firstMatch(globs, model);
          return hit ? { decision, reason: reason(model, hit.pattern) } : { decision: 'CONTINUE' };
        },
      };
    },
  };
}
