import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorCode, type FieldProblem, STORE_UNAVAILABLE_MESSAGE } from '../shared/errors.js';
import { BODY_LIMIT_BYTES } from './plugins/json-body.js';

const STATUS: Record<ErrorCode, number> = {
  validation: 422,
  'not-found': 404,
  unauthorized: 401,
  conflict: 409,
  'rate-limited': 429,
  'store-unavailable': 503,
  // A dependency failing or a bug behind an API call: the client can do nothing about it.
  unreachable: 500,
  timeout: 500,
  'bad-response': 500,
  rejected: 500,
  internal: 500,
};

const INTERNAL_ERROR = 'Internal server error';

/** Readable messages for what Fastify rejects before a handler runs. */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send the body as application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: `Request body too large: the limit is ${BODY_LIMIT_BYTES / 1024} KiB`,
};

/** One place maps errors to statuses and bodies: typed AppErrors, schema validation
 * failures (FastAPI's 422 shape), and framework 4xx. Every 5xx is logged as an error; a 500's
 * details are logged but never sent. A rate-limited error carries Retry-After. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      const status = STATUS[error.code];
      if (status >= 500) {
        request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
      }
      if (error.code === 'validation') {
        return reply.status(status).send({ detail: error.details });
      }
      if (error.code === 'unauthorized') {
        // The original service's 401: its text under `detail` (FastAPI's key) as well.
        reply.header('www-authenticate', 'Basic realm="llm-key-requestor admin"');
        return reply.status(status).send({ detail: error.message, message: error.message, success: false });
      }
      if (error.retryAfterSeconds !== undefined) {
        reply.header('retry-after', String(error.retryAfterSeconds));
      }
      // A 503 tells the client to come back; a 500 (a bug, a corrupt record, a dependency
      // failing behind the route) is nothing the client can act on. The details of either
      // (which record, which API server or file) stay in the log.
      const message =
        status === 500 ? INTERNAL_ERROR : status === 503 ? STORE_UNAVAILABLE_MESSAGE : error.message;
      return reply.status(status).send({ message, success: false });
    }
    if (error.validation) {
      const context = error.validationContext ?? 'body';
      return reply.status(422).send({ detail: error.validation.map((issue) => toProblem(context, issue)) });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Our JSON parser's errors (plugins/json-body.ts) already carry a readable message.
      const message =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? (FRAMEWORK_MESSAGES[error.code] ?? error.message)
          : error.message;
      return reply.status(status).send({ message, success: false });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ message: INTERNAL_ERROR, success: false });
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send({ message: `Route ${request.method} ${request.url.split('?')[0]} not found`, success: false });
  });
}

interface SchemaIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function toProblem(context: string, issue: SchemaIssue): FieldProblem {
  const path = issue.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const loc = [context, ...path];
  switch (issue.keyword) {
    case 'required':
      return { loc: [...loc, String(issue.params.missingProperty)], msg: 'Field required', type: 'missing' };
    case 'additionalProperties':
      return {
        loc: [...loc, String(issue.params.additionalProperty)],
        msg: 'Extra inputs are not permitted',
        type: 'extra_forbidden',
      };
    case 'type':
      return {
        loc,
        msg:
          path.length === 0
            ? 'Input should be a JSON object'
            : `Input should be a valid ${String(issue.params.type)}`,
        type: `${String(issue.params.type)}_type`,
      };
    case 'maxLength':
      return {
        loc,
        msg: `String should have at most ${issue.params.limit} characters`,
        type: 'string_too_long',
      };
    case 'minLength':
      return {
        loc,
        msg: `String should have at least ${issue.params.limit} character(s)`,
        type: 'string_too_short',
      };
    case 'pattern':
      return {
        loc,
        msg: `String should match pattern '${issue.params.pattern}'`,
        type: 'string_pattern_mismatch',
      };
    default:
      return { loc, msg: issue.message ?? 'Invalid value', type: 'value_error' };
  }
}
