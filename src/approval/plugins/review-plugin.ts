import { Type } from 'typebox';
import { MAX_EMAIL_LENGTH, normalizeEmail } from '../../requests/email.js';
import type { ApprovalPlugin, PluginName } from '../approval-types.js';
import { compileGlob, firstMatch } from '../glob.js';
import {
  closed,
  localPlugin,
  PatternListSchema,
  PluginConfigIssue,
  type PluginDefinition,
} from '../plugin-config.js';

export const ReviewConfigSchema = Type.Object(
  {
    patterns: PatternListSchema,
    /** A reviewer told about every request this plugin parks, besides `admin.notify`
     * (the original service's `humanintheloop` key). Blank or null: nobody more. */
    email: Type.Optional(Type.Union([Type.String({ maxLength: MAX_EMAIL_LENGTH }), Type.Null()])),
  },
  closed,
);

/** Parks a model matching any of `patterns` for a human (state `in-review`). The worker mails
 * the review notice to `admin.notify` and to every review plugin's `email`. */
function reviewPluginCalled(name: Extract<PluginName, 'review' | 'humanintheloop'>) {
  const definition: PluginDefinition<typeof ReviewConfigSchema> = {
    schema: ReviewConfigSchema,
    create(config): ApprovalPlugin {
      const globs = config.patterns.map((pattern) => compileGlob(pattern));
      return localPlugin(
        name,
        ({ model }) =>
          firstMatch(globs, model)
            ? { decision: 'REVIEW', reason: `Model "${model}" requires admin review` }
            : { decision: 'CONTINUE' },
        reviewer(config.email),
      );
    },
  };
  return definition;
}

/** The service's one email rule (requests/email.ts), as for `admin.notify`. */
function reviewer(email: string | null | undefined): string[] {
  if (email === null || email === undefined || email.trim() === '') {
    return [];
  }
  const checked = normalizeEmail(email);
  if (!checked.ok) {
    throw new PluginConfigIssue('/email', checked.error.message);
  }
  return [checked.value];
}

export const reviewPlugin = reviewPluginCalled('review');
/** The original service's name for the review plugin, with the same keys. */
export const humanInTheLoopPlugin = reviewPluginCalled('humanintheloop');
