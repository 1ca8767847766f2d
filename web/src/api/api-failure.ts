/** Every way an API call can fail, reduced to what a screen needs: one readable
 * message, and per-field messages when the server named the field. */
export type FailureKind =
  | 'validation'
  | 'unauthorized'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unavailable'
  | 'network'
  | 'other';

export interface ApiFailure {
  kind: FailureKind;
  /** 0 when no HTTP answer arrived. */
  status: number;
  message: string;
  /** Field name (the second `loc` element, e.g. `email`, `llm`, `reason`) to the server's message. */
  fields: Record<string, string>;
}

interface FieldProblem {
  loc: unknown[];
  msg: string;
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

export const NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.';

/** Maps an error answer (status and parsed JSON body, or null when it was not JSON)
 * to an ApiFailure. Bodies are FastAPI's 422 `{detail:[{loc,msg,type}]}` or
 * `{message, success:false}`; anything else gets a generic message for its status. */
export function toApiFailure(status: number, body: unknown): ApiFailure {
  const kind = KIND_BY_STATUS[status] ?? 'other';
  const problems = fieldProblems(body);
  if (problems !== null) {
    const fields: Record<string, string> = {};
    const loose: string[] = [];
    for (const problem of problems) {
      const field = fieldName(problem.loc);
      if (field !== null && fields[field] === undefined) {
        fields[field] = problem.msg;
      } else if (field === null) {
        loose.push(problem.msg);
      }
    }
    const named = Object.entries(fields).map(([field, msg]) => `${field}: ${msg}`);
    const message = [...named, ...loose].join('; ') || 'The server rejected the input.';
    return { kind: 'validation', status, message, fields };
  }
  const message = messageOf(body) ?? fallbackMessage(status);
  return { kind, status, message, fields: {} };
}

export function networkFailure(): ApiFailure {
  return { kind: 'network', status: 0, message: NETWORK_MESSAGE, fields: {} };
}

function fieldProblems(body: unknown): FieldProblem[] | null {
  if (!isRecord(body) || !Array.isArray(body.detail)) {
    return null;
  }
  const problems = body.detail.filter(
    (item): item is FieldProblem => isRecord(item) && Array.isArray(item.loc) && typeof item.msg === 'string',
  );
  return problems.length > 0 ? problems : null;
}

/** `["body","email"]` → `email`; `["query","filter"]` → `filter`; `["body"]` → null. */
function fieldName(loc: unknown[]): string | null {
  const field = loc[1];
  if (typeof field === 'string' && field !== '') {
    return field;
  }
  return null;
}

function messageOf(body: unknown): string | null {
  if (isRecord(body) && typeof body.message === 'string' && body.message.trim() !== '') {
    return body.message;
  }
  if (isRecord(body) && typeof body.detail === 'string' && body.detail.trim() !== '') {
    return body.detail;
  }
  return null;
}

function fallbackMessage(status: number): string {
  switch (KIND_BY_STATUS[status]) {
    case 'unauthorized':
      return 'Wrong username or password.';
    case 'not-found':
      return 'Not found.';
    case 'conflict':
      return 'The request changed in the meantime. Refresh and try again.';
    case 'too-large':
      return 'The request is too large.';
    case 'unavailable':
      return 'The service is temporarily unavailable. Please try again in a moment.';
    default:
      return status >= 500
        ? `The server had a problem (HTTP ${status}). Please try again later.`
        : `The server refused the request (HTTP ${status}).`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
