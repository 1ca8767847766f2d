import { publicActor } from './history.js';
import { holdsLiveKey, type LifecyclePolicy, renewable } from './lifecycle.js';
import { maskedKey } from './masked-key.js';
import type { KeyRequest, RequestState } from './request-types.js';

/** What LiteLLM says about a live key (`/key/info` by its hash). */
export interface KeyUsage {
  /** USD spent so far. */
  spend: number;
  /** USD; null = no budget. */
  maxBudget: number | null;
  /** LiteLLM's budget period, e.g. `30d`; null = none. */
  budgetDuration: string | null;
}

/** The key's spend and budget as the API names them; nothing when LiteLLM did not answer. */
export function usageFields(usage: KeyUsage | null) {
  return usage === null
    ? {}
    : { spend: usage.spend, max_budget: usage.maxBudget, budget_duration: usage.budgetDuration };
}

/** What anyone who knows a request id sees: that it exists, and its state. No reason, no dates. */
export function toPublicStatus(request: KeyRequest): { request_id: string; status: RequestState } {
  return { request_id: request.id, status: request.state };
}

/** What the requester sees with a valid token (their page, `GET /api/requests/{id}?token=`):
 * their request without the email, the key only masked, the history without administrators'
 * names, what they may do now, and the key's spend and budget when LiteLLM answered. */
export function toRequesterView(
  request: KeyRequest,
  { now, policy, usage }: { now: number; policy: LifecyclePolicy; usage: KeyUsage | null },
) {
  const live = holdsLiveKey(request, now);
  return {
    request_id: request.id,
    model: request.model,
    status: request.state,
    reason: request.reason,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    expires_at: request.expiresAt,
    cycle: request.cycle,
    history: request.history.map((entry) => ({ ...entry, actor: publicActor(entry.actor) })),
    api_key: live ? (maskedKey(request) ?? null) : null,
    ...usageFields(usage),
    can_renew: renewable(request, now, policy),
    can_revoke: live,
  };
}

export type RequesterView = ReturnType<typeof toRequesterView>;
