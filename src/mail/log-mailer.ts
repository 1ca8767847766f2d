import type { Logger } from '../shared/logger.js';
import { ok, type Result } from '../shared/result.js';
import type { Mailer, MailMessage } from './mailer.js';

export interface LogMailerDeps {
  logger: Pick<Logger, 'info'>;
  from: string;
}

/** Mailer for local trials (`smtp.host: log`): nothing leaves the machine, the message is logged.
 *
 * This is the ONLY place where a minted API key may be printed: an approval mail carries the
 * key and logging the body is how someone trying the portal on a laptop gets it. Never select
 * this adapter in a shared deployment, the key would end up in the log pipeline. */
export function createLogMailer(deps: LogMailerDeps): Mailer {
  return {
    async send(m: MailMessage): Promise<Result<void>> {
      deps.logger.info(
        { mail: { from: deps.from, to: m.to, subject: m.subject, messageId: m.messageId, text: m.text } },
        'mail not sent (log mailer): message logged for local trials',
      );
      return ok(undefined);
    },
    async close(): Promise<void> {},
  };
}
