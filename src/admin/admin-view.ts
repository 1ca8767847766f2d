import type { KeyRequest } from '../requests/request-types.js';

/** `sk-…abcd`: enough to tell keys apart, useless to an attacker. */
export function maskKey(key: string | null): string | undefined {
  if (key === null) {
    return undefined;
  }
  return `${key.startsWith('sk-') ? 'sk-' : ''}…${key.slice(-4)}`;
}

/** A request as admins see it, the same through the HTTP API, the MCP tools and the CLI's
 * `--json`: with the email, the key only masked, never in full. */
export function toAdminView(request: KeyRequest) {
  const apiKey = maskKey(request.apiKey);
  return {
    request_id: request.id,
    email: request.email,
    model: request.model,
    status: request.state,
    ...(request.reason === null ? {} : { reason: request.reason }),
    ...(apiKey === undefined ? {} : { api_key: apiKey }),
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    attempts: request.work.attempts,
    ...(request.work.lastError === null ? {} : { last_error: request.work.lastError }),
  };
}

export type AdminView = ReturnType<typeof toAdminView>;
