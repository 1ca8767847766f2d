import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CONSOLE_ACTIONS, REASON_MODES } from '../admin/admin-actions.js';
import { ADMIN_FILTERS, type AdminFilter, type AdminService } from '../admin/admin-service.js';
import { toHttpAdminDetail, toHttpAdminView } from '../admin/admin-view.js';
import { reasonRequired } from '../admin/decision-reason.js';
import { listUpTo } from '../admin/list-requests.js';
import { ACTORS } from '../requests/history.js';
import {
  ADMIN_LIST_MAX,
  MAX_CURSOR_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_REASON_LENGTH,
  wholeNumberPattern,
} from '../requests/limits.js';
import { NOTIFICATION_KINDS, REQUEST_STATES } from '../requests/request-types.js';
import { ADMIN_ACTIONS, type AdminAction, fromStates } from '../requests/transitions.js';
import { LIST_SORTS } from '../store/request-store.js';
import { type AdminCredentials, createAdminAuth } from './admin-auth.js';
import {
  Failure,
  historyEntrySchema,
  RateLimited,
  RequestIdParam,
  RequestStateSchema,
  Unauthorized,
  ValidationProblem,
} from './schemas.js';

export interface AdminRoutesDeps {
  admin: AdminService;
  credentials: AdminCredentials;
}

const AllowedAction = Type.Object({
  action: Type.Enum([...CONSOLE_ACTIONS], {
    description: 'A POST /api/admin/requests/{request_id}/<action> the request allows now',
  }),
  reason: Type.Enum([...REASON_MODES], {
    description: 'required: the body must carry a reason; optional: it may; none: the action takes none',
  }),
  new_cycle: Type.Boolean({
    description: 'It starts a new cycle: approve from denied, expired or revoked re-issues',
  }),
});

/** The original service's admin shape (`request_id` to `api_key`), then our fields. */
const AdminRequest = Type.Object({
  request_id: Type.String(),
  email: Type.String(),
  model: Type.String(),
  state: RequestStateSchema,
  api_key: Type.Union([Type.String(), Type.Null()], {
    description: 'Masked (sk-…abcd), or null without a key',
  }),
  reason: Type.Optional(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  attempts: Type.Integer({ description: 'Failed worker attempts since the last success' }),
  last_error: Type.Optional(Type.String()),
  cycle: Type.Integer({ description: '1, +1 each time the request starts over (renewal, re-issue)' }),
  expires_at: Type.Optional(Type.String()),
  notification_failure: Type.Optional(
    Type.Object(
      { kind: Type.Enum([...NOTIFICATION_KINDS]), error: Type.String(), at: Type.String() },
      { description: 'A notification the worker gave up on; resend sends it again' },
    ),
  ),
  allowed_actions: Type.Array(AllowedAction, {
    description: 'What may be done to the request now (the state rules); anything else answers 409',
  }),
});
const HistoryEntrySchema = historyEntrySchema(
  'plugin:<name>, admin:<user>, mcp:<user>, cli:<os user>, worker, requester or external',
);
// Optional in the schema only so that clients may treat list items and the detail as one type.
const AdminRequestDetail = Type.Object({
  ...AdminRequest.properties,
  history: Type.Optional(Type.Array(HistoryEntrySchema, { description: 'The audit trail, oldest first' })),
  spend: Type.Optional(Type.Number({ description: "USD spent with the request's key, from LiteLLM" })),
  max_budget: Type.Optional(
    Type.Union([Type.Number(), Type.Null()], { description: 'USD; null = no budget' }),
  ),
  budget_duration: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'e.g. 30d' })),
});
const Stats = Type.Object({
  total: Type.Integer(),
  by_state: Type.Object(
    Object.fromEntries(REQUEST_STATES.map((state) => [state, Type.Integer()])) as Record<
      (typeof REQUEST_STATES)[number],
      ReturnType<typeof Type.Integer>
    >,
    { additionalProperties: false, description: 'Requests per state, every state present' },
  ),
  notification_failed: Type.Integer({
    description: 'Requests holding a notification the worker gave up on (POST …/resend sends it again)',
  }),
});
const Reason = Type.String({ minLength: 1, maxLength: MAX_REASON_LENGTH });
const OptionalReasonBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
const RequiredReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const DecisionReply = Type.Object({
  success: Type.Literal(true),
  message: Type.String({
    description: 'The original service\'s text, e.g. "Request <id> approved successfully"',
  }),
  request: AdminRequest,
});
const EmptyBody = Type.Object({}, { additionalProperties: false });
// 429: every admin route answers it after too many failed sign-ins from the caller's address.
const errors = {
  401: Unauthorized,
  404: Failure,
  409: Failure,
  422: ValidationProblem,
  429: RateLimited,
  503: Failure,
};

/** What each decision route does, for /docs; the states come from requests/transitions.ts. */
const SUMMARY: Record<AdminAction, string> = {
  approve: `Approve a ${fromStates('approve')} request; the worker mints and mails the key`,
  deny: `Deny a ${fromStates('deny')} request with a reason, which is mailed`,
  revoke: `Revoke a request's key (allowed from ${fromStates('revoke')}): it is deleted on LiteLLM and the requester told`,
};
/** The decision in the original service's success message. */
const DONE: Record<AdminAction, string> = { approve: 'approved', deny: 'denied', revoke: 'revoked' };

const LIST_PATH = '/api/admin/requests';

/** The admin API (HTTP Basic), in the original service's shapes, so its admin app and scripts
 * work unchanged (docs/design.md, "Admin routes"). Registered only when admin credentials are
 * configured, so without them every admin path is a plain 404. */
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
      // The original admin app posts no body with `Content-Type: application/json`.
      config: { allowEmptyBody: true },
      schema: {
        operationId: 'adminVerify',
        tags: ['admin'],
        summary: 'Check admin credentials (any body is ignored; none is fine)',
        security,
        response: {
          200: Type.Object({ authenticated: Type.Literal(true), username: Type.String() }),
          401: Unauthorized,
          429: RateLimited,
        },
      },
    },
    async (request) => ({ authenticated: true as const, username: authenticate(request) }),
  );

  app.get(
    LIST_PATH,
    {
      // The original treated any filter word it did not know as "all"; so does this route.
      preValidation: async (request) => {
        const query = request.query as { filter?: unknown };
        if (typeof query.filter === 'string' && !isAdminFilter(query.filter)) {
          query.filter = 'all';
        }
      },
      schema: {
        operationId: 'adminListRequests',
        tags: ['admin'],
        summary:
          'List key requests (newest first unless sorted) as a JSON array; the next page is in the Link header',
        security,
        querystring: Type.Object(
          {
            filter: Type.Optional(
              Type.Enum([...ADMIN_FILTERS], {
                default: 'pending',
                description: 'review means in-review; any other word means all',
              }),
            ),
            // Query values arrive as strings and types are never coerced (app.ts's ajv options), so the bound is a pattern.
            limit: Type.Optional(
              Type.String({
                pattern: wholeNumberPattern(ADMIN_LIST_MAX),
                description: `1-${ADMIN_LIST_MAX}; without it, up to ${ADMIN_LIST_MAX}`,
              }),
            ),
            cursor: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: MAX_CURSOR_LENGTH,
                description: 'From the previous answer\'s `Link: <…>; rel="next"`',
              }),
            ),
            // Bounded by the longest thing it can match, an email address.
            q: Type.Optional(
              Type.String({
                maxLength: MAX_EMAIL_LENGTH,
                description: 'Only requests whose email, model or id contains this text (any case)',
              }),
            ),
            sort: Type.Optional(
              Type.Enum([...LIST_SORTS], {
                default: '-created_at',
                description: '`-` = newest first; a cursor belongs to the order it was made for',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Array(AdminRequest, {
            description: 'When more requests follow, a `Link: <…>; rel="next"` header names the next page',
          }),
          401: Unauthorized,
          422: ValidationProblem,
          429: RateLimited,
          503: Failure,
        },
      },
    },
    async (request, reply) => {
      const { filter = 'pending', limit, cursor, q, sort } = request.query;
      const size = limit === undefined ? ADMIN_LIST_MAX : Number(limit);
      const page = await listUpTo(admin, filter, size, cursor, { q, sort });
      if (page.nextCursor !== null) {
        // The next page keeps every narrowing of this one; only the cursor moves.
        const next = new URLSearchParams({
          filter,
          ...(limit === undefined ? {} : { limit }),
          ...(q === undefined ? {} : { q }),
          ...(sort === undefined ? {} : { sort }),
        });
        next.set('cursor', page.nextCursor);
        reply.header('link', `<${LIST_PATH}?${next}>; rel="next"`);
      }
      return page.items.map((item) => toHttpAdminView(item, admin.actionsFor(item)));
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
          401: Unauthorized,
          404: Failure,
          422: ValidationProblem,
          429: RateLimited,
          503: Failure,
        },
      },
    },
    async (request) => {
      const found = await admin.get(request.params.request_id);
      return toHttpAdminDetail(found, admin.actionsFor(found), await admin.usage(found));
    },
  );

  app.get(
    '/api/admin/stats',
    {
      schema: {
        operationId: 'adminStats',
        tags: ['admin'],
        summary: 'How many requests are in each state, and how many hold a failed notification',
        security,
        response: { 200: Stats, 401: Unauthorized, 429: RateLimited, 503: Failure },
      },
    },
    async () => {
      const { byState, notificationFailed } = await admin.stats();
      const total = Object.values(byState).reduce((sum, count) => sum + count, 0);
      return { total, by_state: byState, notification_failed: notificationFailed };
    },
  );

  app.post(
    '/api/admin/requests/:request_id/resend',
    {
      config: { allowEmptyBody: true },
      preValidation: emptyBodyAsObject,
      schema: {
        operationId: 'adminResend',
        tags: ['admin'],
        summary:
          'Send again the notification the worker gave up on (notification_failure); 409 when there is none ' +
          'or the request has moved on from it',
        security,
        params: Type.Object({ request_id: RequestIdParam }),
        body: EmptyBody,
        response: { 200: DecisionReply, ...errors },
      },
    },
    async (request) => {
      const user = authenticate(request);
      const updated = await admin.resend(request.params.request_id, ACTORS.admin(user));
      request.log.info({ request_id: updated.id, action: 'resend', admin_user: user }, 'admin decision');
      return {
        success: true as const,
        message: `Request ${updated.id}: the failed notification will be sent again`,
        request: toHttpAdminView(updated, admin.actionsFor(updated)),
      };
    },
  );

  for (const action of ADMIN_ACTIONS) {
    const optional = !reasonRequired(action);
    app.post(
      `/api/admin/requests/:request_id/${action}`,
      {
        // An approval may come without a body at all, as the original admin app sends it.
        ...(optional ? { config: { allowEmptyBody: true }, preValidation: emptyBodyAsObject } : {}),
        schema: {
          operationId: `admin${action[0]?.toUpperCase()}${action.slice(1)}`,
          tags: ['admin'],
          summary: SUMMARY[action],
          security,
          params: Type.Object({ request_id: RequestIdParam }),
          body: optional ? OptionalReasonBody : RequiredReasonBody,
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
        return {
          success: true as const,
          message: `Request ${updated.id} ${DONE[action]} successfully`,
          request: toHttpAdminView(updated, admin.actionsFor(updated)),
        };
      },
    );
  }
};

function isAdminFilter(value: string): value is AdminFilter {
  return (ADMIN_FILTERS as readonly string[]).includes(value);
}

/** No body (none sent, or an empty one with a JSON content type) is an empty object. */
async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) {
    request.body = {};
  }
}
