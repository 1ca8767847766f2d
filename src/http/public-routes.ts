import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ModelCatalog } from '../models/model-catalog.js';
import { type NewRequestLimiter, withinNewRequestLimits } from '../rate-limits/new-request-limiter.js';
import { canonicalEmail } from '../requests/email.js';
import type { RequestService } from '../requests/request-service.js';
import {
  EmailInput,
  Failure,
  ModelIdInput,
  ModelList,
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

const SubmitBody = Type.Object({ email: EmailInput, llm: ModelIdInput }, { additionalProperties: false });
const SubmitReply = Type.Object({
  message: Type.String(),
  success: Type.Literal(true),
  request_id: Type.String(),
  status: RequestStateSchema,
});
const StatusReply = Type.Object({
  request_id: Type.String(),
  model: Type.String(),
  status: RequestStateSchema,
  reason: Type.Optional(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});

/** What requesters use: the model list, submitting a request, and its status. */
export const publicRoutes: FastifyPluginAsyncTypebox<PublicRoutesDeps> = async (
  app,
  { catalog, requests, newRequests },
) => {
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
    async () => ({ models: await catalog.list() }),
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
    async () => ({ models: await catalog.featured() }),
  );

  app.post(
    REQUEST_KEY_PATH,
    {
      schema: {
        operationId: 'requestKey',
        tags: ['requests'],
        summary: 'Request an API key for a model',
        description:
          'Creates a pending request, or returns the existing one for the same email and model. The outcome is emailed.',
        body: SubmitBody,
        response: {
          200: SubmitReply,
          400: Failure,
          413: Failure,
          415: Failure,
          422: ValidationProblem,
          429: Failure,
          503: Failure,
        },
      },
    },
    async (request) => {
      const { request: keyRequest, created } = await withinNewRequestLimits(
        newRequests,
        canonicalEmail(request.body.email),
        () => requests.submit(request.body),
      );
      return {
        message: created
          ? 'Key request submitted. The result will be emailed to you.'
          : `A request for this model already exists for this email (status: ${keyRequest.state}).`,
        success: true as const,
        request_id: keyRequest.id,
        status: keyRequest.state,
      };
    },
  );

  app.get(
    '/api/requests/:request_id',
    {
      schema: {
        operationId: 'getRequestStatus',
        tags: ['requests'],
        summary: 'Status of a key request (never the key or the email)',
        params: Type.Object({ request_id: RequestIdParam }),
        response: { 200: StatusReply, 404: Failure, 422: ValidationProblem, 503: Failure },
      },
    },
    async (request) => {
      const found = await requests.status(request.params.request_id);
      return {
        request_id: found.id,
        model: found.model,
        status: found.state,
        ...(found.reason === null ? {} : { reason: found.reason }),
        created_at: found.createdAt,
        updated_at: found.updatedAt,
      };
    },
  );
};
