import type { HistoryAction, HistoryEntry, KeyRequest } from '../requests/request-types.js';

/** What the worker reads from a request's audit trail. Every step records its entry in the same
 * conditional write as its effect (docs/design.md, "Audit trail"), so the trail says exactly
 * which key duties of the current stay in a state are done; no extra bookkeeping field is
 * needed, and a state changed by hand (console, CLI, `kubectl label`) starts a new stay whose
 * duties are owed from scratch. */

/** The entries that record a key issued on LiteLLM for an approval. */
export type KeyIssue = 'key-minted' | 'key-adopted' | 'key-replaced' | 'key-extended';

const KEY_ISSUES: ReadonlySet<HistoryAction> = new Set<KeyIssue>([
  'key-minted',
  'key-adopted',
  'key-replaced',
  'key-extended',
]);

function isKeyIssue(action: HistoryAction): action is KeyIssue {
  return KEY_ISSUES.has(action);
}

/** The key issue a patch records (a key step's result), or null when it records none (a
 * reservation). */
export function keyIssueIn(patch: { append?: readonly { action: HistoryAction }[] }): KeyIssue | null {
  for (const entry of patch.append ?? []) {
    if (isKeyIssue(entry.action)) {
      return entry.action;
    }
  }
  return null;
}

/** A state change (duty entries carry their state as both `from` and `to`, or null). */
function isStateChange(entry: HistoryEntry): boolean {
  return entry.to !== null && entry.from !== entry.to;
}

/** How the key of the current approval was issued, or null while it is not: the newest key
 * entry recorded since the request last became `approved`. A renewal or re-issue enters
 * `approved` again, so the previous cycle's key never counts as this one's, and a plain key
 * still kept from an earlier cycle is never mailed again. A record older than the history
 * (no entry says when it was approved) counts a kept plain key as minted for it. */
export function keyIssuedForApproval(request: Pick<KeyRequest, 'history' | 'apiKey'>): KeyIssue | null {
  for (let index = request.history.length - 1; index >= 0; index--) {
    const entry = request.history[index];
    if (entry === undefined) {
      continue;
    }
    if (isKeyIssue(entry.action)) {
      return entry.action;
    }
    if (isStateChange(entry) && entry.to === 'approved') {
      return null;
    }
  }
  return request.apiKey !== null ? 'key-minted' : null;
}

/** Whether the request still holds key material on LiteLLM that must be deleted before anything
 * else happens to it: it was revoked, or moved from `approved` to `denied` (by hand: no front
 * allows it, `kubectl label` can), and no deletion was recorded since. Also when the request
 * has moved on meanwhile (re-issued or renewed before the worker got to the deletion): a
 * revoked key must never be extended and handed out again. A renewal the chain denied came
 * from `pending` and keeps the previous cycle's key until its own expiry. */
export function keyDeletionOwed(
  request: Pick<KeyRequest, 'state' | 'history' | 'keyHash' | 'apiKey' | 'pendingKey'>,
): boolean {
  if (request.keyHash === null && request.apiKey === null && request.pendingKey === null) {
    return false;
  }
  if (request.state === 'revoked') {
    // Deleting clears every key field, so whatever a revoked request still holds must go.
    return true;
  }
  for (let index = request.history.length - 1; index >= 0; index--) {
    const entry = request.history[index];
    if (entry === undefined) {
      continue;
    }
    if (entry.action === 'key-deleted' || isKeyIssue(entry.action)) {
      return false;
    }
    if (
      isStateChange(entry) &&
      (entry.to === 'revoked' || (entry.to === 'denied' && entry.from === 'approved'))
    ) {
      return true;
    }
  }
  return false;
}
