import { Type } from 'typebox';
import type { ApprovalPlugin } from '../approval-types.js';
import { compileGlob, firstMatch } from '../glob.js';
import { closed, PatternListSchema, type PluginDefinition } from '../plugin-config.js';

export const WhitelistConfigSchema = Type.Object({ list: PatternListSchema }, closed);

/** Approves a model that matches any pattern of `list` (case-sensitive, like model ids). */
export const whitelistPlugin: PluginDefinition<typeof WhitelistConfigSchema> = {
  schema: WhitelistConfigSchema,
  create(config): ApprovalPlugin {
    const globs = config.list.map((pattern) => compileGlob(pattern));
    return {
      name: 'whitelist',
      async evaluate({ model }) {
        const hit = firstMatch(globs, model);
        return hit
          ? {
              decision: 'APPROVE',
              reason: `Model "${model}" is approved automatically (matches whitelist pattern "${hit.pattern}")`,
            }
          : { decision: 'CONTINUE' };
      },
    };
  },
};
