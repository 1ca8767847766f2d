import { maskedKey } from '../requests/masked-key.js';
import type { KeyRequest } from '../requests/request-types.js';
import { type KeyUsage, usageFields } from '../requests/requester-view.js';
import type { AvailableAction } from './admin-actions.js';

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
    api_key: maskedKey(request) ?? null,
    ...(request.reason === null ? {} : { reason: request.reason }),
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    attempts: request.work.attempts,
    ...(request.work.lastError === null ? {} : { last_error: request.work.lastError }),
    cycle: request.cycle,
    ...(request.expiresAt === null ? {} : { expires_at: request.expiresAt }),
    ...(request.notificationFailure === null ? {} : { notification_failure: request.notificationFailure }),
  };
}

export type AdminView = ReturnType<typeof toAdminView>;

/** One request in full, for the detail views (HTTP detail, MCP `get_request`, `show --json`):
 * the list view plus the audit trail, oldest first, with actors named. */
export function toAdminDetail(request: KeyRequest) {
  return { ...toAdminView(request), history: request.history };
}

export type AdminDetail = ReturnType<typeof toAdminDetail>;

/** What the HTTP admin API adds for the console: the actions the request allows now
 * (admin-actions.ts), so the console offers exactly those and holds no copy of the rules. */
function allowedActionsField(actions: readonly AvailableAction[]) {
  return {
    allowed_actions: actions.map(({ action, reason, newCycle }) => ({ action, reason, new_cycle: newCycle })),
  };
}

/** A list item of the HTTP admin API: the admin view and the allowed actions. */
export function toHttpAdminView(request: KeyRequest, actions: readonly AvailableAction[]) {
  return { ...toAdminView(request), ...allowedActionsField(actions) };
}

/** The HTTP admin detail: the detail view, the key's spend and budget when LiteLLM answered,
 * and the allowed actions. */
export function toHttpAdminDetail(
  request: KeyRequest,
  actions: readonly AvailableAction[],
  usage: KeyUsage | null,
) {
  return { ...toAdminDetail(request), ...usageFields(usage), ...allowedActionsField(actions) };
}
