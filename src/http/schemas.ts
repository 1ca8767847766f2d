import { Type } from 'typebox';
import { MODEL_ID_PATTERN } from '../config/config-schema.js';
import { MAX_EMAIL_LENGTH } from '../requests/email.js';
import { REQUEST_STATES } from '../requests/request-types.js';

/** Shared route schemas. Bounds live here so every route limits input the same way. */

// Leading/trailing blanks are trimmed before the email rule applies, so allow a little slack here.
export const EmailInput = Type.String({
  minLength: 1,
  maxLength: MAX_EMAIL_LENGTH + 16,
  description: 'Requester email',
});
export const ModelIdInput = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: MODEL_ID_PATTERN,
  description: 'Model id as listed by GET /api/models',
});
export const RequestIdParam = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' });
export const RequestStateSchema = Type.Enum([...REQUEST_STATES]);

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
