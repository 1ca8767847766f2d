import { type Block, link, renderHtml, renderText, strong, subjectLine } from './mail-blocks.js';
import type { MailMessage } from './mailer.js';
import { messageIdFor } from './message-id.js';

export interface ReviewNoticeMailInput {
  requestId: string;
  cycle: number;
  /** The requester's address, shown to the admins. */
  email: string;
  model: string;
  reason: string | null;
  /** The admins to notify (`admin.notify`). */
  to: string[];
  /** The request in the admin console, `<public_url>/admin/requests/<id>`; null leaves it out. */
  consoleUrl: string | null;
}

/** The notice to admins that a request waits for them. English only: it goes to operators,
 * whatever language the requester chose. */
export function reviewNoticeMail(input: ReviewNoticeMailInput): MailMessage {
  const subject = subjectLine(`Key request awaiting review: ${input.model} for ${input.email}`);
  const where: Block[] =
    input.consoleUrl === null
      ? [{ type: 'paragraph', content: ['Review it in the admin console, or with the admin API:'] }]
      : [
          { type: 'paragraph', content: ['Review it in the admin console:', '\n', link(input.consoleUrl)] },
          { type: 'paragraph', content: ['Or with the admin API:'] },
        ];
  const blocks: Block[] = [
    { type: 'heading', text: 'Key request awaiting review' },
    {
      type: 'paragraph',
      content: [strong(input.email), ' has requested an API key for the model ', strong(input.model), '.'],
    },
    { type: 'paragraph', content: ['The request is waiting for an administrator to approve or deny it.'] },
    { type: 'paragraph', content: ['Why it needs review:'] },
    { type: 'quote', text: input.reason?.trim() || 'No reason was given.' },
    ...where,
    {
      type: 'code',
      text: [
        `POST /api/admin/requests/${input.requestId}/approve`,
        `POST /api/admin/requests/${input.requestId}/deny`,
      ].join('\n'),
    },
    { type: 'small', text: `Request ID: ${input.requestId}` },
  ];
  return {
    to: [...input.to],
    subject,
    text: renderText('Hello,', blocks),
    html: renderHtml('en', subject, blocks, 'Sent by LLM Key Requestor.'),
    messageId: messageIdFor(input.requestId, 'review', input.cycle),
  };
}
