import { Type } from 'typebox';
import type { ApprovalPlugin } from '../approval-types.js';
import { compileGlob } from '../glob.js';
import { closed, localPlugin, PatternSchema, type PluginDefinition } from '../plugin-config.js';

export const EmailConfigSchema = Type.Object({ pattern: PatternSchema }, closed);

/** Approves an email matching `pattern` and denies every other one, so it never hands
 * the request on: plugins after it are reached only through CONTINUE of earlier ones.
 * Emails are matched case-insensitively (domains are case-insensitive, and requests
 * are stored lower-cased while an operator may write `*@Company.com`). */
export const emailPlugin: PluginDefinition<typeof EmailConfigSchema> = {
  schema: EmailConfigSchema,
  create(config): ApprovalPlugin {
    const glob = compileGlob(config.pattern, { caseInsensitive: true });
    // The reasons leave the address out: the public status endpoint shows the reason but must
    // never reveal the email.
    return localPlugin('email', ({ email }) =>
      glob.matches(email)
        ? { decision: 'APPROVE', reason: `Email address matches the allowed pattern "${glob.pattern}"` }
        : { decision: 'DENY', reason: `Email address is not allowed (it must match "${glob.pattern}")` },
    );
  },
};
