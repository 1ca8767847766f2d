import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ADMIN_FILTERS, type AdminService } from '../admin/admin-service.js';
import { toAdminDetail, toAdminView } from '../admin/admin-view.js';
import { reasonRequired } from '../admin/decision-reason.js';
import { ACTORS } from '../requests/history.js';
import { MAX_CURSOR_LENGTH, MAX_REASON_LENGTH, PAGE_SIZE, wholeNumberPattern } from '../requests/limits.js';
import { ADMIN_ACTIONS, type AdminAction, fromStates } from '../requests/transitions.js';
import { type AdminCredentials, createAdminAuth } from './admin-auth.js';
import { Failure, RequestIdParam, RequestStateSchema, ValidationProblem } from './schemas.js';

export interface AdminRoutesDeps {
  admin: AdminService;
  credentials: AdminCredentials;
}

const AdminRequest = Type.Object({
  request_id: Type.String(),
  email: Type.String(),
  model: Type.String(),
  status: RequestStateSchema,
  reason: Type.Optional(Type.String()),
  api_key: Type.Optional(Type.String({ description: 'Masked: sk-…abcd' })),
  created_at: Type.String(),
  updated_at: Type.String(),
  attempts: Type.Integer({ description: 'Failed worker attempts since the last success' }),
  last_error: Type.Optional(Type.String()),
  cycle: Type.Integer({ description: '1, +1 each time the request starts over (renewal, re-issue)' }),
  expires_at: Type.Optional(Type.String()),
  notification_failure: Type.Optional(
    Type.Object({ kind: Type.String(), error: Type.String(), at: Type.String() }),
  ),
});
const HistoryEntrySchema = Type.Object({
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  from: Type.Union([RequestStateSchema, Type.Null()]),
  to: Type.Union([RequestStateSchema, Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
// Optional in the schema only so that clients may treat list items and the detail as one type.
const AdminRequestDetail = Type.Object({
  ...AdminRequest.properties,
  history: Type.Optional(Type.Array(HistoryEntrySchema, { description: 'The audit trail, oldest first' })),
});
const Reason = Type.String({ minLength: 1, maxLength: MAX_REASON_LENGTH });
const OptionalReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
const RequiredReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const DecisionReply = Type.Object({ success: Type.Literal(true), request: AdminRequest });
const errors = { 401: Failure, 404: Failure, 409: Failure, 422: ValidationProblem, 503: Failure };

/** What each decision route does, for /docs; the states come from requests/transitions.ts. */
const SUMMARY: Record<AdminAction, string> = {
  approve: `Approve a ${fromStates('approve')} request; the worker mints and mails the key`,
  deny: `Deny a ${fromStates('deny')} request with a reason, which is mailed`,
  revoke: `Revoke a request's key (allowed from ${fromStates('revoke')}): it is deleted on LiteLLM and the requester told`,
};

/** The admin API (HTTP Basic). Registered only when admin credentials are configured,
 * so without them every admin path is a plain 404. */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesDeps> = async (
  app,
  { admin, credentials },
) => {
  const authenticate = createAdminAuth(credentials);
  const security = [{ adminBasic: [] }];
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'OPTIONS') {
      authenticate(request);
    }
  });

  app.post(
    '/api/admin/verify',
    {
      schema: {
        operationId: 'adminVerify',
        tags: ['admin'],
        summary: 'Check admin credentials',
        security,
        response: {
          200: Type.Object({ success: Type.Literal(true), username: Type.String() }),
          401: Failure,
        },
      },
    },
    async (request) => ({ success: true as const, username: authenticate(request) }),
  );

  app.get(
    '/api/admin/requests',
    {
      schema: {
        operationId: 'adminListRequests',
        tags: ['admin'],
        summary: 'List key requests, newest first',
        security,
        querystring: Type.Object(
          {
            filter: Type.Optional(Type.Enum([...ADMIN_FILTERS], { default: 'all' })),
            // Query values arrive as strings and types are never coerced (app.ts's ajv options), so the bound is a pattern.
            limit: Type.Optional(
              Type.String({
                pattern: wholeNumberPattern(PAGE_SIZE.max),
                description: `${PAGE_SIZE.min}-${PAGE_SIZE.max}, default ${PAGE_SIZE.default}`,
              }),
            ),
            cursor: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            requests: Type.Array(AdminRequest),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          401: Failure,
          422: ValidationProblem,
          503: Failure,
        },
      },
    },
    async (request) => {
      const { filter = 'all', limit, cursor } = request.query;
      const page = await admin.list(filter, limit === undefined ? PAGE_SIZE.default : Number(limit), cursor);
      return { requests: page.items.map(toAdminView), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/api/admin/requests/:request_id',
    {
      schema: {
        operationId: 'adminGetRequest',
        tags: ['admin'],
        summary: 'One key request',
        security,
        params: Type.Object({ request_id: RequestIdParam }),
        response: {
          200: AdminRequestDetail,
          401: Failure,
          404: Failure,
          422: ValidationProblem,
          503: Failure,
        },
      },
    },
    async (request) => toAdminDetail(await admin.get(request.params.request_id)),
  );

  for (const action of ADMIN_ACTIONS) {
    app.post(
      `/api/admin/requests/:request_id/${action}`,
      {
        schema: {
          operationId: `admin${action[0]?.toUpperCase()}${action.slice(1)}`,
          tags: ['admin'],
          summary: SUMMARY[action],
          security,
          params: Type.Object({ request_id: RequestIdParam }),
          body: reasonRequired(action) ? RequiredReasonBody : OptionalReasonBody,
          response: { 200: DecisionReply, ...errors },
        },
      },
      async (request) => {
        const user = authenticate(request);
        const { reason } = request.body as { reason?: string };
        const updated = await admin.decide(action, request.params.request_id, {
          reason,
          actor: ACTORS.admin(user),
        });
        request.log.info({ request_id: updated.id, action, admin_user: user }, 'admin decision');
        return { success: true as const, request: toAdminView(updated) };
      },
    );
  }
};
