import { Type } from 'typebox';
import type { ApprovalPlugin } from '../approval-types.js';
import { compileGlob, firstMatch } from '../glob.js';
import { closed, PatternListSchema, type PluginDefinition } from '../plugin-config.js';

export const BlacklistConfigSchema = Type.Object({ list: PatternListSchema }, closed);

/** Denies a model that matches any pattern of `list` (case-sensitive, like model ids). */
export const blacklistPlugin: PluginDefinition<typeof BlacklistConfigSchema> = {
  schema: BlacklistConfigSchema,
  create(config): ApprovalPlugin {
    const globs = config.list.map((pattern) => compileGlob(pattern));
    return {
      name: 'blacklist',
      async evaluate({ model }) {
        const hit = firstMatch(globs, model);
        return hit
          ? {
              decision: 'DENY',
              reason: `Model "${model}" is blocked (matches blacklist pattern "${hit.pattern}")`,
            }
          : { decision: 'CONTINUE' };
      },
    };
  },
};
