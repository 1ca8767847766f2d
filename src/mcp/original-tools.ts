import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { AdminFilter } from '../admin/admin-service.js';
import { type AdminView, toAdminView } from '../admin/admin-view.js';
import { listUpTo } from '../admin/list-requests.js';
import { ACTORS } from '../requests/history.js';
import { ADMIN_LIST_MAX, MAX_EMAIL_LENGTH, MODEL_ID_MAX_LENGTH } from '../requests/limits.js';
import { type Decision, fromStates } from '../requests/transitions.js';
import type { McpToolsDeps } from './tool-deps.js';
import { CtxInput, OptionalReasonInput, RequestIdInput } from './tool-inputs.js';
import { runTool } from './tool-result.js';

/** The reason mailed for a denial through the original `deny` tool, which has no reason argument. */
export const ORIGINAL_DENY_REASON = 'Denied by an administrator';

const ctxOnly = z.strictObject({ ctx: CtxInput });
const byId = z.strictObject({ ctx: CtxInput, request_id: RequestIdInput });
const decision = z.strictObject({
  ctx: CtxInput,
  request_id: RequestIdInput,
  reason: OptionalReasonInput.describe('Optional (an addition: the earlier service took none)'),
});
const newRequest = z.strictObject({
  ctx: CtxInput,
  email: z
    .string()
    .min(1)
    .max(MAX_EMAIL_LENGTH + 16)
    .describe("The requester's email"),
  model: z.string().min(1).max(MODEL_ID_MAX_LENGTH).describe('A model id, as list_models lists them'),
});

/** A request in the original tools' shapes: listed, and after a state change. No key, ever. */
const listed = ({ request_id, email, model, state, created_at, updated_at }: AdminView) => ({
  request_id,
  email,
  model,
  state,
  created_at,
  updated_at,
});
const changed = ({ request_id, email, model, state, updated_at }: AdminView) => ({
  request_id,
  email,
  model,
  state,
  updated_at,
});

/** The original service's MCP tools, under their names and arguments, so its MCP clients keep
 * working (docs/migrating.md). They go through the same admin service as everything else, so
 * the transition rules hold here too; where the outcome differs from the original's, the
 * description says so. */
export function registerOriginalTools(
  server: McpServer,
  { admin, catalog, requests, user, log }: McpToolsDeps,
) {
  const run = (tool: string, work: () => Promise<Record<string, unknown> | unknown[]>) =>
    runTool(tool, 'original', log, work);

  async function decide(tool: string, action: Decision, id: string, reason?: string) {
    const updated = await admin.decide(action, id, { reason, actor: ACTORS.mcp(user) });
    log.info({ request_id: updated.id, action, admin_user: user, via: 'mcp', tool }, 'admin decision');
    return changed(toAdminView(updated));
  }

  const lists: [string, AdminFilter, string][] = [
    ['list_pending', 'pending', 'Key requests waiting for the approval chain (state pending), newest first.'],
    ['list_review', 'review', 'Key requests waiting for an admin (state in-review), newest first.'],
  ];
  for (const [name, filter, description] of lists) {
    server.registerTool(
      name,
      {
        description: `${description} Up to ${ADMIN_LIST_MAX}; list_requests pages through more.`,
        inputSchema: ctxOnly,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      () =>
        run(name, async () =>
          (await listUpTo(admin, filter, ADMIN_LIST_MAX)).items.map(toAdminView).map(listed),
        ),
    );
  }

  server.registerTool(
    'approve',
    {
      description:
        `Approve a ${fromStates('approve')} request. The service then mints its key on LiteLLM and mails ` +
        'it to the requester (the earlier service only set the state). Other states answer an error.',
      inputSchema: decision,
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    ({ request_id, reason }) => run('approve', () => decide('approve', 'approve', request_id, reason)),
  );

  server.registerTool(
    'deny',
    {
      description:
        `Deny a ${fromStates('deny')} request. The requester is mailed the reason, "${ORIGINAL_DENY_REASON}" ` +
        'unless one is given (the earlier service sent no mail). Other states answer an error.',
      inputSchema: decision,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    ({ request_id, reason }) =>
      run('deny', () => decide('deny', 'deny', request_id, reason ?? ORIGINAL_DENY_REASON)),
  );

  // review and pending move a request between the chain and the admins: the admin service's
  // park and requeue decisions, with no reason (the original tools take none).
  const moves: [string, Decision, string][] = [
    [
      'review',
      'park',
      `Park a ${fromStates('park')} request for an admin (state in-review). Other states answer an error.`,
    ],
    [
      'pending',
      'requeue',
      `Send a request that is ${fromStates('requeue')} back through the approval chain (state pending); ` +
        'from denied it starts a new cycle. Other states answer an error.',
    ],
  ];
  for (const [name, action, description] of moves) {
    server.registerTool(
      name,
      {
        description,
        inputSchema: byId,
        annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
      },
      ({ request_id }) => run(name, () => decide(name, action, request_id)),
    );
  }

  server.registerTool(
    'request_key',
    {
      description:
        'Request a key for an email and a model, as the portal does: the email must be valid and the model one ' +
        'the portal offers; the same email and model again answer the existing request instead of a new one ' +
        '(the earlier service created a duplicate), which, as on the portal, renews it when its renewal is ' +
        'due or else mails the requester a link to it. The approval chain then decides.',
      inputSchema: newRequest,
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    ({ email, model }) =>
      run('request_key', async () => {
        const result = await requests.submit({ email, llm: model });
        const { request } = result;
        const outcome = result.created ? 'created' : result.outcome;
        log.info({ request_id: request.id, outcome, admin_user: user, via: 'mcp' }, 'key requested over MCP');
        return listed(toAdminView(request));
      }),
  );

  server.registerTool(
    'list_models',
    {
      description:
        'The models the portal offers: the configured ones, plus the LiteLLM proxy models when enabled.',
      inputSchema: ctxOnly,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => run('list_models', async () => [...(await catalog.list())]),
  );
}
