import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ModelCatalog, ModelView } from '../models/model-catalog.js';
import { type NewRequestLimiter, withinNewRequestLimits } from '../rate-limits/new-request-limiter.js';
import type { RequestService, SubmitResult } from '../requests/request-service.js';
import type { RequestBrief } from '../store/request-store.js';
import { jsonSnapshots, sendJsonSnapshot } from './json-snapshot.js';
import {
  EmailInput,
  Failure,
  historyEntrySchema,
  ModelIdInput,
  ModelList,
  RateLimited,
  RequestIdParam,
  RequestStateSchema,
  ValidationProblem,
} from './schemas.js';

export interface PublicRoutesDeps {
  catalog: Pick<ModelCatalog, 'list' | 'featured'>;
  requests: RequestService;
  /** New requests per address and per domain (rate-limits/new-request-limiter.ts). */
  newRequests: NewRequestLimiter;
}

/** Where requests are submitted; the per-IP limit (plugins/rate-limits.ts) counts every POST here. */
export const REQUEST_KEY_PATH = '/api/request-key';

const SubmitBody = Type.Object(
  {
    email: EmailInput,
    llm: ModelIdInput,
    language: Type.Optional(
      Type.String({
        maxLength: 35,
        pattern: '^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$',
        description: 'The portal language (en, de, es); mails to the requester use it. Others mean English.',
      }),
    ),
  },
  { additionalProperties: false },
);
const SubmitReply = Type.Object({
  message: Type.String(),
  success: Type.Literal(true),
  request_id: Type.Union([Type.String(), Type.Null()], {
    description:
      'The new request; null when one exists already for this email and model (nothing is revealed about it)',
  }),
  status: Type.Optional(RequestStateSchema),
  token: Type.Optional(
    Type.String({ description: "The requester's token for the request's page and actions" }),
  ),
  url: Type.Optional(Type.String({ description: "The request's page, token included" })),
});
const HistoryItem = historyEntrySchema('`admin` for any administrator');
/** Without the token only `request_id` and `status`; with it the requester's view. */
const StatusReply = Type.Object({
  request_id: Type.String(),
  status: RequestStateSchema,
  model: Type.Optional(Type.String()),
  reason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  created_at: Type.Optional(Type.String()),
  updated_at: Type.Optional(Type.String()),
  expires_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  cycle: Type.Optional(Type.Integer()),
  history: Type.Optional(Type.Array(HistoryItem)),
  api_key: Type.Optional(Type.Union([Type.String({ description: 'Masked: sk-…abcd' }), Type.Null()])),
  spend: Type.Optional(Type.Number()),
  max_budget: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  budget_duration: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  can_renew: Type.Optional(Type.Boolean()),
  can_revoke: Type.Optional(Type.Boolean()),
});
const TokenQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 100, description: "The requester's token" })) },
  { additionalProperties: false },
);
const RequesterActionBody = Type.Object({}, { additionalProperties: false });

const SUBMITTED = 'Key request submitted. The result will be emailed to you.';
/** The same words whatever an existing request's state and whatever the POST did to it
 * (renewed it, mailed a link, nothing), so the answer tells nothing about someone else's request. */
const NEUTRAL =
  'A request for this model already exists for this email address. Updates and a link to its page are sent to that address.';

/** What the per-address and per-domain limits count: a submission that starts an approval cycle,
 * a new request or the renewal of an existing one (each can end in a minted key and its mail);
 * a duplicate, or one that only mails the link to its page (at most hourly), is not counted. */
function startsCycle(result: SubmitResult<RequestBrief>): boolean {
  return result.created || result.outcome === 'renewed';
}

/** The model lists through the route's response schema (`ModelList`), as Fastify would. */
function serializeModels(reply: FastifyReply): (models: readonly ModelView[]) => string {
  return (models) => String(reply.serializeInput({ models }, '200'));
}

/** What requesters use: the model list, submitting a request, and its status. */
export const publicRoutes: FastifyPluginAsyncTypebox<PublicRoutesDeps> = async (
  app,
  { catalog, requests, newRequests },
) => {
  // The model lists go out as bytes made once per catalog change (json-snapshot.ts).
  const modelList = jsonSnapshots<readonly ModelView[]>();
  const featuredList = jsonSnapshots<readonly ModelView[]>();
  app.get(
    '/api/models',
    {
      schema: {
        operationId: 'listModels',
        tags: ['models'],
        summary: 'Models that can be requested',
        response: { 200: ModelList },
      },
    },
    async (request, reply) => {
      const models = await catalog.list();
      return sendJsonSnapshot(request, reply, modelList(models, serializeModels(reply)));
    },
  );

  app.get(
    '/api/featured-models',
    {
      schema: {
        operationId: 'listFeaturedModels',
        tags: ['models'],
        summary: 'Models highlighted in the UI',
        response: { 200: ModelList },
      },
    },
    async (request, reply) => {
      const models = await catalog.featured();
      return sendJsonSnapshot(request, reply, featuredList(models, serializeModels(reply)));
    },
  );

  app.post(
    REQUEST_KEY_PATH,
    {
      schema: {
        operationId: 'requestKey',
        tags: ['requests'],
        summary: 'Request an API key for a model',
        description:
          "Creates a request and answers its id, state, token and page; the state is the approval chain's decision " +
          'when its plugins decide without asking an endpoint, else pending. For an email and model that have a request ' +
          'already the answer is neutral (request_id null): a renewal starts when the rules allow it, else a link to ' +
          'the request is mailed (at most once an hour). The outcome is emailed.',
        body: SubmitBody,
        response: {
          200: SubmitReply,
          400: Failure,
          413: Failure,
          415: Failure,
          422: ValidationProblem,
          429: RateLimited,
          503: Failure,
        },
      },
    },
    async (request) => {
      const { body } = request;
      const result = await withinNewRequestLimits(
        newRequests,
        requests.canonicalAddress(body.email),
        () => requests.submitFromPortal(body),
        startsCycle,
      );
      if (!result.created) {
        // On the request's access-log line (info, as every POST): `renewed`, `link-mail` or `nothing`.
        request.accessLogFields = { outcome: result.outcome };
        return { message: NEUTRAL, success: true as const, request_id: null };
      }
      // The state too: a chain of local plugins decides with the creation.
      request.accessLogFields = {
        outcome: 'created',
        request_id: result.request.id,
        state: result.request.state,
      };
      return {
        message: SUBMITTED,
        success: true as const,
        request_id: result.request.id,
        status: result.request.state,
        token: result.token,
        url: result.url,
      };
    },
  );

  app.get(
    '/api/requests/:request_id',
    {
      schema: {
        operationId: 'getRequestStatus',
        tags: ['requests'],
        summary: "Status of a key request; with the requester's token, their view of it",
        description:
          'Without a valid token only {request_id, status}. With it: reason, dates, expiry, history ' +
          '(administrators anonymised), the masked key, spend and budget, and whether renew and revoke are allowed.',
        params: Type.Object({ request_id: RequestIdParam }),
        querystring: TokenQuery,
        response: { 200: StatusReply, 404: Failure, 422: ValidationProblem, 503: Failure },
      },
    },
    async (request) => requests.status(request.params.request_id, request.query.token),
  );

  for (const action of ['renew', 'revoke'] as const) {
    app.post(
      `/api/requests/:request_id/${action}`,
      {
        schema: {
          operationId: action === 'renew' ? 'renewRequest' : 'revokeMyKey',
          tags: ['requests'],
          summary:
            action === 'renew'
              ? 'Start a new cycle of an expired, revoked or (after the cool-down) denied request, or one close to expiry'
              : "Revoke the request's key (e.g. it leaked); it is deleted on LiteLLM",
          description:
            "Needs the requester's token: a missing or wrong one answers 404. A state that does not allow it: 409.",
          params: Type.Object({ request_id: RequestIdParam }),
          querystring: TokenQuery,
          body: RequesterActionBody,
          response: { 200: StatusReply, 404: Failure, 409: Failure, 422: ValidationProblem, 503: Failure },
        },
      },
      async (request) => {
        const { request_id: id } = request.params;
        const view =
          action === 'renew'
            ? await requests.renew(id, request.query.token)
            : await requests.revokeMine(id, request.query.token);
        request.log.info({ request_id: id, action, actor: 'requester' }, 'requester action');
        return view;
      },
    );
  }
};
