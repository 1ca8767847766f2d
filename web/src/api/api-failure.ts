import type { ValidationProblem } from './api-types.js';

/** Every way an API call can fail, reduced to what a screen needs. The words are the UI's,
 * in the user's language (i18n/failure-text.ts): the server's English messages are kept
 * only as a last resort for a validation problem the UI has no words for. */
export type FailureKind =
  | 'validation'
  | 'unauthorized'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unavailable'
  | 'network'
  | 'other';

export type FieldProblem = Pick<ValidationProblem, 'type' | 'msg'>;

export interface ApiFailure {
  kind: FailureKind;
  /** 0 when no HTTP answer arrived. */
  status: number;
  /** The first problem per field (the second `loc` element: `email`, `llm`, `reason`). */
  fields: Record<string, FieldProblem>;
  /** Problems about no single field (`loc: ["body"]`). */
  problems: FieldProblem[];
}

const KIND_BY_STATUS: Record<number, FailureKind> = {
  401: 'unauthorized',
  403: 'unauthorized',
  404: 'not-found',
  409: 'conflict',
  413: 'too-large',
  422: 'validation',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

/** Maps an error answer (status and parsed JSON body, or null when it was not JSON) to an
 * ApiFailure. A body of FastAPI's 422 shape `{detail:[{loc,msg,type}]}` gives the problems;
 * anything else only its status counts. */
export function toApiFailure(status: number, body: unknown): ApiFailure {
  const problems = validationProblems(body);
  if (problems === null) {
    return { kind: KIND_BY_STATUS[status] ?? 'other', status, fields: {}, problems: [] };
  }
  const fields: Record<string, FieldProblem> = {};
  const loose: FieldProblem[] = [];
  for (const { loc, type, msg } of problems) {
    const field = loc[1];
    if (typeof field === 'string' && field !== '') {
      fields[field] ??= { type, msg };
    } else {
      loose.push({ type, msg });
    }
  }
  return { kind: 'validation', status, fields, problems: loose };
}

export function networkFailure(): ApiFailure {
  return { kind: 'network', status: 0, fields: {}, problems: [] };
}

function validationProblems(body: unknown): ValidationProblem[] | null {
  if (!isRecord(body) || !Array.isArray(body.detail)) {
    return null;
  }
  const problems = body.detail.filter(
    (item): item is ValidationProblem =>
      isRecord(item) &&
      Array.isArray(item.loc) &&
      typeof item.msg === 'string' &&
      typeof item.type === 'string',
  );
  return problems.length > 0 ? problems : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
