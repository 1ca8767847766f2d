import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ADMIN_FILTERS, type AdminAction, type AdminService } from '../admin/admin-service.js';
import { toAdminView } from '../admin/admin-view.js';
import { validationError } from '../shared/errors.js';
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
});
const Reason = Type.String({ minLength: 1, maxLength: 1000 });
const OptionalReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
const RequiredReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const DecisionReply = Type.Object({ success: Type.Literal(true), request: AdminRequest });
const errors = { 401: Failure, 404: Failure, 409: Failure, 422: ValidationProblem, 503: Failure };

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
            // Query values arrive as strings and types are never coerced (app.ts), so the bound is a pattern: 1-200.
            limit: Type.Optional(
              Type.String({ pattern: '^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)$', description: '1-200' }),
            ),
            cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
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
      const { filter = 'all', limit = '50', cursor } = request.query;
      const page = await admin.list(filter, Number(limit), cursor);
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
        response: { 200: AdminRequest, 401: Failure, 404: Failure, 422: ValidationProblem, 503: Failure },
      },
    },
    async (request) => toAdminView(await admin.get(request.params.request_id)),
  );

  const decisions: [AdminAction, string, typeof OptionalReasonBody | typeof RequiredReasonBody][] = [
    [
      'approve',
      'Approve a pending or in-review request; the worker mints and mails the key',
      OptionalReasonBody,
    ],
    ['deny', 'Deny a pending or in-review request with a reason, which is mailed', RequiredReasonBody],
    [
      'revoke',
      'Revoke an approved request: its key is deleted on LiteLLM and the requester told',
      RequiredReasonBody,
    ],
  ];
  for (const [action, summary, body] of decisions) {
    app.post(
      `/api/admin/requests/:request_id/${action}`,
      {
        schema: {
          operationId: `admin${action[0]?.toUpperCase()}${action.slice(1)}`,
          tags: ['admin'],
          summary,
          security,
          params: Type.Object({ request_id: RequestIdParam }),
          body,
          response: { 200: DecisionReply, ...errors },
        },
      },
      async (request) => {
        const user = authenticate(request);
        const given = (request.body as { reason?: string }).reason?.trim() ?? '';
        if (given === '' && action !== 'approve') {
          throw validationError(['body', 'reason'], `A reason is required to ${action} a request`);
        }
        const reason = given === '' ? `Approved by ${user}` : given;
        const updated = await admin.decide(action, request.params.request_id, reason);
        request.log.info({ request_id: updated.id, action, admin_user: user }, 'admin decision');
        return { success: true as const, request: toAdminView(updated) };
      },
    );
  }
};
