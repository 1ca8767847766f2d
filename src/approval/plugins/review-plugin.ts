import { Type } from 'typebox';
import type { ApprovalPlugin } from '../approval-types.js';
import { compileGlob, firstMatch } from '../glob.js';
import { closed, PatternListSchema, type PluginDefinition } from '../plugin-config.js';

export const ReviewConfigSchema = Type.Object({ patterns: PatternListSchema }, closed);

/** Parks a model matching any of `patterns` for a human (state `in-review`). Who is
 * told comes from `admin.notify`, not from here: one list of reviewers for the service. */
export const reviewPlugin: PluginDefinition<typeof ReviewConfigSchema> = {
  schema: ReviewConfigSchema,
  create(config): ApprovalPlugin {
    const globs = config.patterns.map((pattern) => compileGlob(pattern));
    return {
      name: 'review',
      async evaluate({ model }) {
        return firstMatch(globs, model)
          ? { decision: 'REVIEW', reason: `Model "${model}" requires admin review` }
          : { decision: 'CONTINUE' };
      },
    };
  },
};
