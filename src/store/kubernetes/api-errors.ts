import { ApiException } from '@kubernetes/client-node';
import { AppError } from '../../shared/errors.js';

/** Why a call to the API server failed, in words an operator can act on. Messages never
 * carry Secret contents: they are built from the status code and the server's Status message. */
export type KubernetesFailure =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'expired'
  | 'rejected';

/** The store cannot answer: to every caller this is the one AppError code `store-unavailable`
 * (503 over HTTP, a retry for the worker); `failure` tells operators which way it failed. */
export class KubernetesApiError extends AppError {
  constructor(
    readonly failure: KubernetesFailure,
    message: string,
    status?: number,
  ) {
    super('store-unavailable', message, status === undefined ? {} : { status });
    this.name = 'KubernetesApiError';
  }
}

function statusMessage(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return '';
    }
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'message' in parsed &&
    typeof parsed.message === 'string'
  ) {
    return parsed.message.slice(0, 300);
  }
  return '';
}

/** The KubernetesApiError for a failed call: `what` names the call, `where` the namespace and server. */
export function toApiError(
  error: unknown,
  what: string,
  where: string,
  timeoutMs: number,
): KubernetesApiError {
  if (error instanceof KubernetesApiError) {
    return error;
  }
  if (error instanceof ApiException) {
    const code = error.code;
    const detail = statusMessage(error.body);
    const suffix = detail === '' ? '' : `: ${detail}`;
    if (code === 401) {
      return new KubernetesApiError(
        'unauthorized',
        `${what}: the API server rejected our credentials (401, ${where})`,
        code,
      );
    }
    if (code === 403) {
      return new KubernetesApiError(
        'forbidden',
        `${what}: forbidden (403, ${where}); the service account needs get/list/watch/create/update on secrets${suffix}`,
        code,
      );
    }
    if (code === 410) {
      return new KubernetesApiError('expired', `${what}: resource version expired (410 Gone)${suffix}`, code);
    }
    return new KubernetesApiError(
      'rejected',
      `${what}: API server answered ${code} (${where})${suffix}`,
      code,
    );
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new KubernetesApiError(
      'timeout',
      `${what}: no answer from the API server within ${timeoutMs} ms (${where})`,
    );
  }
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? ` ${error.code}`
      : '';
  return new KubernetesApiError('unreachable', `${what}: cannot reach the API server${code} (${where})`);
}
