import { Type } from 'typebox';
import {
  MAX_EMAIL_LENGTH,
  MODEL_ID_MAX_LENGTH,
  MODEL_ID_PATTERN,
  REQUEST_ID_MAX_LENGTH,
  REQUEST_ID_PATTERN,
} from '../requests/limits.js';
import { HISTORY_ACTIONS, REQUEST_STATES } from '../requests/request-types.js';

/** Shared route schemas. The bounds come from requests/limits.ts, which the config schema,
 * the MCP tools and the CLI read too. */

// Leading/trailing blanks are trimmed before the email rule applies, so allow a little slack here.
export const EmailInput = Type.String({
  minLength: 1,
  maxLength: MAX_EMAIL_LENGTH + 16,
  description: 'Requester email',
});
export const ModelIdInput = Type.String({
  minLength: 1,
  maxLength: MODEL_ID_MAX_LENGTH,
  pattern: MODEL_ID_PATTERN,
  description: 'Model id as listed by GET /api/models',
});
export const RequestIdParam = Type.String({
  minLength: 1,
  maxLength: REQUEST_ID_MAX_LENGTH,
  pattern: REQUEST_ID_PATTERN,
});
export const RequestStateSchema = Type.Enum([...REQUEST_STATES]);

/** One entry of a request's audit trail; `actor` as the audience may see it. */
export function historyEntrySchema(actorDescription: string) {
  return Type.Object({
    at: Type.String(),
    actor: Type.String({ description: actorDescription }),
    action: Type.Enum([...HISTORY_ACTIONS]),
    from: Type.Union([RequestStateSchema, Type.Null()]),
    to: Type.Union([RequestStateSchema, Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
  });
}

export const ModelSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  icon: Type.Optional(Type.String()),
  color: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  subtitle: Type.Optional(Type.String()),
  documentation_link: Type.Optional(Type.String()),
  featured: Type.Optional(Type.Boolean()),
});
export const ModelList = Type.Object({ models: Type.Array(ModelSchema) });

export const ValidationProblem = Type.Object(
  {
    detail: Type.Array(
      Type.Object({
        loc: Type.Array(Type.Union([Type.String(), Type.Number()])),
        msg: Type.String(),
        type: Type.String(),
      }),
    ),
  },
  { description: 'Invalid input (FastAPI shape)' },
);
export const Failure = Type.Object(
  { message: Type.String(), success: Type.Literal(false) },
  { description: 'Failure with a readable message' },
);
/** A 429 beyond a rate limit (README "Security"): the admin routes and /mcp after too many failed
 * sign-ins from one address, the request route per address, domain and client IP. */
export const RateLimited = Type.Object(
  { message: Type.String(), success: Type.Literal(false) },
  { description: 'Beyond a rate limit; `Retry-After` gives the seconds until the next try' },
);
/** A 401, with the original service's `detail` text next to ours (its scripts read `detail`). */
export const Unauthorized = Type.Object(
  { detail: Type.String(), message: Type.String(), success: Type.Literal(false) },
  { description: 'Missing or wrong credentials; `WWW-Authenticate` names the scheme' },
);
