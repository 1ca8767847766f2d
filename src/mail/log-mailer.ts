import type { Logger } from '../shared/logger.js';
import { maskApiKeys } from '../shared/redact.js';
import { ok, type Result } from '../shared/result.js';
import type { Mailer, MailMessage } from './mailer.js';

export interface LogMailerDeps {
  logger: Pick<Logger, 'info'>;
  from: string;
}

/** Mailer for local trials (`smtp.host: log`): nothing leaves the machine, the message is
 * logged, its text part with every key masked (`sk-…abcd`): a log line is no place for a key,
 * even on a laptop, and the image's default config uses this mailer. To receive a key in full,
 * point `smtp` at a mail server or a mail catcher. */
export function createLogMailer(deps: LogMailerDeps): Mailer {
  return {
    async send(m: MailMessage): Promise<Result<void>> {
      deps.logger.info(
        {
          mail: {
            from: deps.from,
            to: m.to,
            subject: maskApiKeys(m.subject),
            messageId: m.messageId,
            text: maskApiKeys(m.text),
          },
        },
        'mail not sent (log mailer): message logged for local trials, keys masked',
      );
      return ok(undefined);
    },
    async close(): Promise<void> {},
  };
}
