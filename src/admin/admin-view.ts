import type { KeyRequest } from '../requests/request-types.js';

/** `sk-…abcd`: enough to tell keys apart, useless to an attacker. */
export function maskKey(key: string | null): string | undefined {
  if (key === null) {
    return undefined;
  }
  return `${key.startsWith('sk-') ? 'sk-' : ''}…${key.slice(-4)}`;
}

/** A request as admins see it, the same through the HTTP API, the MCP tools and the CLI's
 * `--json`: with the email, the key only masked, never in full. The first seven fields are the
 * original service's admin shape (`api_key` always present, null without a key); the rest
 * are ours. */
export function toAdminView(request: KeyRequest) {
  return {
    request_id: request.id,
    email: request.email,
    model: request.model,
    state: request.state,
    api_key: maskKey(request.apiKey) ?? null,
    ...(request.reason === null ? {} : { reason: request.reason }),
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    attempts: request.work.attempts,
    ...(request.work.lastError === null ? {} : { last_error: request.work.lastError }),
  };
}

export type AdminView = ReturnType<typeof toAdminView>;
