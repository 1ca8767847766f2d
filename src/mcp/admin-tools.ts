import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ADMIN_FILTERS, type AdminAction, type AdminService } from '../admin/admin-service.js';
import { toAdminView } from '../admin/admin-view.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import { AppError } from '../shared/errors.js';

export interface AdminToolsDeps {
  admin: Pick<AdminService, 'list' | 'get' | 'decide'>;
  catalog: Pick<ModelCatalog, 'list'>;
  /** The authenticated admin: named in default approval reasons and in the decision log. */
  user: string;
  log: {
    info(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

// The same bounds as the HTTP admin API (http/schemas.ts, http/admin-routes.ts).
const RequestId = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'A request id is 1-64 letters, digits or dashes')
  .describe('The request_id of a key request');
const RequiredReason = (action: string) =>
  z
    .string({ error: `A reason is required to ${action} a request` })
    .max(1000)
    .trim()
    .min(1, `A reason is required to ${action} a request`)
    .describe(`Why the request is ${action === 'deny' ? 'denied' : 'revoked'}; mailed to the requester`);

const listInput = z.strictObject({
  filter: z
    .enum(ADMIN_FILTERS)
    .optional()
    .describe('Which requests: pending, review (in-review), approved, denied, revoked or all (default)'),
  limit: z.number().int().min(1).max(200).optional().describe('Page size, 1-200 (default 50)'),
  cursor: z
    .string()
    .min(1)
    .max(2000)
    .optional()
    .describe('next_cursor from the previous page; omit for the first page'),
});
const getInput = z.strictObject({ request_id: RequestId });
const approveInput = z.strictObject({
  request_id: RequestId,
  reason: z
    .string()
    .max(1000)
    .trim()
    .optional()
    .describe('Optional note; defaults to "Approved by <admin user>"'),
});
const denyInput = z.strictObject({ request_id: RequestId, reason: RequiredReason('deny') });
const revokeInput = z.strictObject({ request_id: RequestId, reason: RequiredReason('revoke') });

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

  async function decide(action: AdminAction, id: string, reason: string) {
    const updated = await admin.decide(action, id, reason);
    log.info({ request_id: updated.id, action, admin_user: user, via: 'mcp' }, 'admin decision');
    return { success: true, request: toAdminView(updated) };
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
    ({ filter = 'all', limit = 50, cursor }) =>
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
    ({ request_id }) => run('get_request', async () => toAdminView(await admin.get(request_id))),
  );

  server.registerTool(
    'approve_request',
    {
      title: 'Approve a key request',
      description:
        'Approve a pending or in-review request. The service then mints the key on LiteLLM and mails it ' +
        'to the requester.',
      inputSchema: approveInput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ request_id, reason }) =>
      run('approve_request', () =>
        decide('approve', request_id, reason === undefined || reason === '' ? `Approved by ${user}` : reason),
      ),
  );

  server.registerTool(
    'deny_request',
    {
      title: 'Deny a key request',
      description: 'Deny a pending or in-review request. The reason is mailed to the requester.',
      inputSchema: denyInput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    ({ request_id, reason }) => run('deny_request', () => decide('deny', request_id, reason)),
  );

  server.registerTool(
    'revoke_request',
    {
      title: 'Revoke an approved key',
      description:
        'Revoke an approved request: its key is deleted on LiteLLM and the requester is mailed the reason.',
      inputSchema: revokeInput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    ({ request_id, reason }) => run('revoke_request', () => decide('revoke', request_id, reason)),
  );

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
