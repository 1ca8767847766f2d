import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ADMIN_FILTERS, type AdminService } from '../admin/admin-service.js';
import { toAdminDetail, toAdminView } from '../admin/admin-view.js';
import { defaultReason, reasonProblemMessage, reasonRequired } from '../admin/decision-reason.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import { ACTORS } from '../requests/history.js';
import {
  MAX_CURSOR_LENGTH,
  MAX_REASON_LENGTH,
  PAGE_SIZE,
  REQUEST_ID_PATTERN,
  REQUEST_ID_RULE,
} from '../requests/limits.js';
import { ADMIN_ACTIONS, ADMIN_TRANSITIONS, type AdminAction, fromStates } from '../requests/transitions.js';
import { AppError } from '../shared/errors.js';

export interface AdminToolsDeps {
  admin: Pick<AdminService, 'list' | 'get' | 'decide'>;
  catalog: Pick<ModelCatalog, 'list'>;
  /** The authenticated admin: named in the history (`mcp:<user>`) and in the decision log. */
  user: string;
  log: {
    info(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

// The bounds are the HTTP admin API's (requests/limits.ts); the reason rule is admin.decide()'s,
// which trims, requires and defaults the reason: the schema only publishes the shape.
const RequestId = z
  .string()
  .regex(new RegExp(REQUEST_ID_PATTERN), `A request id is ${REQUEST_ID_RULE}`)
  .describe('The request_id of a key request');

const listInput = z.strictObject({
  filter: z
    .enum(ADMIN_FILTERS)
    .optional()
    .describe('Which requests: pending, review (in-review), approved, denied, revoked or all (default)'),
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

const ERROR_LABEL: Record<AppError['code'], string> = {
  validation: 'Invalid input',
  'not-found': 'Not found',
  unauthorized: 'Unauthorized',
  conflict: 'Not allowed',
  'rate-limited': 'Too many requests',
  'store-unavailable': 'Store unavailable',
  unreachable: 'Dependency unreachable',
  timeout: 'Dependency timed out',
  'bad-response': 'Unusable dependency answer',
  rejected: 'Rejected',
  internal: 'Internal error',
};

/** One MCP server exposing the admin service as tools. Built per HTTP request (stateless
 * transport), so the authenticated user and the request's logger are plain closures.
 * Tools show requests through `toAdminView`, the HTTP API's view: keys only masked. */
export function createAdminMcpServer({ admin, catalog, user, log }: AdminToolsDeps): McpServer {
  const server = new McpServer(
    { name: 'llm-key-requestor', version: '1.0.0' },
    {
      instructions:
        'Review LiteLLM key requests. list_requests with filter "review" shows what waits for a human; ' +
        'approve_request, deny_request and revoke_request change the state, and the service then mints, ' +
        'mails or deletes the key in the background. Keys are only ever shown masked.',
    },
  );

  /** Expected failures (unknown id, a transition the state does not allow, store down)
   * are tool results with isError, so the model can read and react; only the SDK's own
   * protocol errors are JSON-RPC errors. Unexpected errors are logged, never echoed. */
  async function run(tool: string, work: () => Promise<Record<string, unknown>>): Promise<CallToolResult> {
    try {
      const value = await work();
      return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
    } catch (error) {
      if (error instanceof AppError) {
        if (error.code === 'store-unavailable') {
          log.error({ err: error.cause ?? error, tool }, error.message);
        }
        return failure(error.code, `${ERROR_LABEL[error.code]}: ${error.message}`);
      }
      log.error({ err: error, tool }, 'MCP tool failed');
      return failure('internal', 'Internal error: the tool failed; the server log has the details');
    }
  }

  server.registerTool(
    'list_requests',
    {
      title: 'List key requests',
      description:
        'Key requests, newest first, with requester email, model, status, reason and masked key. ' +
        'Pass next_cursor back as cursor for the next page (null when there is none).',
      inputSchema: listInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ filter = 'all', limit = PAGE_SIZE.default, cursor }) =>
      run('list_requests', async () => {
        const page = await admin.list(filter, limit, cursor);
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
    'list_models',
    {
      title: 'List models',
      description: 'The models the portal offers (configured, plus the LiteLLM proxy models when enabled).',
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => run('list_models', async () => ({ models: await catalog.list() })),
  );

  return server;
}

function failure(code: string, message: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    structuredContent: { success: false, error: code, message },
  };
}
