/** `Status` bodies as the API server sends them for failed calls; clients (client-node's
 * ApiException, kubectl) read `code`, `reason` and `message` from them. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; kind?: string; causes?: { reason?: string; message: string; field?: string }[] };
  code: number;
}

/** A failed API call, thrown by the storage and turned into a response by the router. */
export class ApiStatusError extends Error {
  constructor(readonly status: StatusBody) {
    super(status.message);
    this.name = 'ApiStatusError';
  }
}

function status(
  code: number,
  reason: string,
  message: string,
  details?: StatusBody['details'],
): ApiStatusError {
  return new ApiStatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  });
}

export const statusErrors = {
  notFound: (resource: string, name: string) =>
    status(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource }),
  alreadyExists: (resource: string, name: string) =>
    status(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource }),
  conflict: (resource: string, name: string) =>
    status(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, kind: resource },
    ),
  invalid: (kind: string, name: string, causes: { field: string; message: string }[]) =>
    status(
      422,
      'Invalid',
      `${kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      {
        name,
        kind: kind.toLowerCase() === 'secret' ? 'Secret' : kind,
        causes: causes.map((c) => ({ reason: 'FieldValueInvalid', ...c })),
      },
    ),
  badRequest: (message: string) => status(400, 'BadRequest', message),
  forbidden: (message: string) => status(403, 'Forbidden', message),
  unauthorized: () => status(401, 'Unauthorized', 'Unauthorized'),
  methodNotAllowed: (message: string) => status(405, 'MethodNotAllowed', message),
  unsupportedMediaType: (type: string) =>
    status(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
    ),
  gone: (message: string) => status(410, 'Expired', message),
  internal: (message: string) => status(500, 'InternalError', message),
};
