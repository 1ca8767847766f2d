import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ADMIN_FILTERS } from '../admin/admin-service.js';
import { toAdminDetail, toAdminView } from '../admin/admin-view.js';
import { defaultReason, reasonProblemMessage, reasonRequired } from '../admin/decision-reason.js';
import { ACTORS } from '../requests/history.js';
import { MAX_CURSOR_LENGTH, MAX_EMAIL_LENGTH, MAX_REASON_LENGTH, PAGE_SIZE } from '../requests/limits.js';
import { ADMIN_ACTIONS, ADMIN_TRANSITIONS, type AdminAction, fromStates } from '../requests/transitions.js';
import { LIST_SORTS } from '../store/request-store.js';
import { registerOriginalTools } from './original-tools.js';
import type { McpToolsDeps } from './tool-deps.js';
import { RequestIdInput } from './tool-inputs.js';
import { runTool } from './tool-result.js';

const RequestId = RequestIdInput;

const listInput = z.strictObject({
  filter: z
    .enum(ADMIN_FILTERS)
    .optional()
    .describe(
      'Which requests: pending, review (in-review), approved, denied, revoked, expired or all (default)',
    ),
  limit: z
    .number()
    .int()
    .min(PAGE_SIZE.min)
    .max(PAGE_SIZE.max)
    .optional()
    .describe(`Page size, ${PAGE_SIZE.min}-${PAGE_SIZE.max} (default ${PAGE_SIZE.default})`),
  cursor: z
    .string()
    .min(1)
    .max(MAX_CURSOR_LENGTH)
    .optional()
    .describe('next_cursor from the previous page; omit for the first page'),
  q: z
    .string()
    .max(MAX_EMAIL_LENGTH)
    .optional()
    .describe('Only requests whose email, model or id contains this text (any case)'),
  sort: z
    .enum(LIST_SORTS)
    .optional()
    .describe(
      'created_at or updated_at, "-" first for newest first (default -created_at); keep it when paging',
    ),
});
const getInput = z.strictObject({ request_id: RequestId });

/** How each decision tool presents itself; the states come from requests/transitions.ts. */
const TOOL_TEXT: Record<AdminAction, { title: string; description: string; destructive: boolean }> = {
  approve: {
    title: 'Approve a key request',
    description:
      `Approve a ${fromStates('approve')} request. The service then mints the key on LiteLLM and mails it ` +
      'to the requester.',
    destructive: false,
  },
  deny: {
    title: 'Deny a key request',
    description: `Deny a ${fromStates('deny')} request. The reason is mailed to the requester.`,
    destructive: true,
  },
  revoke: {
    title: 'Revoke an approved key',
    description: `Revoke a request's key (allowed from ${fromStates('revoke')}): it is deleted on LiteLLM and the requester is mailed the reason.`,
    destructive: true,
  },
};

/** The input of a decision tool: a request id and a reason, required where admin.decide() requires one. */
function decisionInput(action: AdminAction) {
  if (!reasonRequired(action)) {
    return z.strictObject({
      request_id: RequestId,
      reason: z
        .string()
        .max(MAX_REASON_LENGTH)
        .optional()
        .describe(`Optional note; defaults to "${defaultReason(action)}"`),
    });
  }
  const required = reasonProblemMessage(action, { kind: 'required' });
  return z.strictObject({
    request_id: RequestId,
    reason: z
      .string({ error: required })
      .min(1, required)
      .max(MAX_REASON_LENGTH)
      .describe(`Why the request is ${ADMIN_TRANSITIONS[action].to}; mailed to the requester`),
  });
}

/** One MCP server exposing the admin service as tools: ours, and the original service's
 * (original-tools.ts). Built per HTTP request (stateless transport), so the authenticated user
 * and the request's logger are plain closures. Tools show requests through `toAdminView`, the
 * HTTP API's view: keys only masked. */
export function createAdminMcpServer(deps: McpToolsDeps): McpServer {
  const { admin, user, log } = deps;
  const server = new McpServer(
    { name: 'llm-key-requestor', version: '1.0.0' },
    {
      instructions:
        'Review LiteLLM key requests. list_requests with filter "review" shows what waits for a human; ' +
        'approve_request, deny_request and revoke_request change the state, and the service then mints, ' +
        'mails or deletes the key in the background. The tools list_pending, list_review, approve, deny, ' +
        'pending, review, request_key and list_models are those of the earlier service, for its clients. ' +
        'Keys are only ever shown masked.',
    },
  );

  const run = (tool: string, work: () => Promise<Record<string, unknown>>) =>
    runTool(tool, 'ours', log, work);

  server.registerTool(
    'list_requests',
    {
      title: 'List key requests',
      description:
        'Key requests, newest first unless sorted otherwise, with requester email, model, state, reason and ' +
        'masked key. ' +
        'Pass next_cursor back as cursor for the next page (null when there is none).',
      inputSchema: listInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ filter = 'all', limit = PAGE_SIZE.default, cursor, q, sort }) =>
      run('list_requests', async () => {
        const page = await admin.list(filter, limit, cursor, { q, sort });
        return { requests: page.items.map(toAdminView), next_cursor: page.nextCursor };
      }),
  );

  server.registerTool(
    'get_request',
    {
      title: 'Get a key request',
      description: 'One key request by id, with attempts and the last worker error, key masked.',
      inputSchema: getInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ request_id }) => run('get_request', async () => toAdminDetail(await admin.get(request_id))),
  );

  for (const action of ADMIN_ACTIONS) {
    const words = TOOL_TEXT[action];
    server.registerTool(
      `${action}_request`,
      {
        title: words.title,
        description: words.description,
        inputSchema: decisionInput(action),
        annotations: {
          readOnlyHint: false,
          destructiveHint: words.destructive,
          idempotentHint: false,
          openWorldHint: true,
        },
      },
      ({ request_id, reason }: { request_id: string; reason?: string | undefined }) =>
        run(`${action}_request`, async () => {
          const updated = await admin.decide(action, request_id, { reason, actor: ACTORS.mcp(user) });
          log.info({ request_id: updated.id, action, admin_user: user, via: 'mcp' }, 'admin decision');
          return { success: true, request: toAdminView(updated) };
        }),
    );
  }

  server.registerTool(
    'resend_notification',
    {
      title: 'Re-send a failed notification',
      description:
        'Send again the mail the service gave up on for a request (its notification_failure, e.g. the mail ' +
        'server refused the address). Fails when the request has no failed notification, or has moved on ' +
        'so that mail is no longer due.',
      inputSchema: getInput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ request_id }) =>
      run('resend_notification', async () => {
        const updated = await admin.resend(request_id, ACTORS.mcp(user));
        log.info(
          { request_id: updated.id, action: 'resend', admin_user: user, via: 'mcp' },
          'admin decision',
        );
        return { success: true, request: toAdminView(updated) };
      }),
  );

  registerOriginalTools(server, deps);
  return server;
}
