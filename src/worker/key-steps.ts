import type { KeySettings } from '../config/config-schema.js';
import { expiryAfter } from '../litellm/key-duration.js';
import type { EnsureOutcome, KeyRecord, LiteLlmClient } from '../litellm/litellm-types.js';
import { ACTORS, historyEntry } from '../requests/history.js';
import { maskedKey } from '../requests/masked-key.js';
import type { KeyRequest } from '../requests/request-types.js';
import { withContext } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { ok, type Result } from '../shared/result.js';
import type { RequestPatch } from '../store/request-store.js';

export interface KeyStepsDeps {
  litellm: Pick<LiteLlmClient, 'ensureKey' | 'extendKey' | 'deleteKeys'>;
  newKeyValue: () => string;
  /** `key_defaults` merged with the model's own `key` settings. */
  keySettingsFor: (model: string) => KeySettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Times each `/key/generate` round (ensureKey), for the mint metrics. */
  observeMint: (outcome: 'success' | 'failure', seconds: number) => void;
  now: () => number;
}

/** LiteLLM's `duration` for a key that never expires (`/key/update`). */
const NEVER = '-1';

const ISSUE_ACTION: Record<EnsureOutcome, 'key-minted' | 'key-adopted' | 'key-replaced'> = {
  minted: 'key-minted',
  adopted: 'key-adopted',
  replaced: 'key-replaced',
};

/** The key duties of the worker, each one call (or one idempotent round of calls) to LiteLLM
 * whose result is the patch the processor commits before the next step. A failure is the
 * LiteLLM client's error with what was being done in front; it changes nothing stored. Keys are
 * named by their hash in every call but the generate that creates them (docs/design.md,
 * "LiteLLM"). */
export function createKeySteps(deps: KeyStepsDeps) {
  const { litellm, logger, now } = deps;

  /** `expires` as LiteLLM answered it, else computed from the duration asked for. */
  function expiresAt(record: KeyRecord, duration: string | undefined): string | null {
    return record.expires ?? (duration === undefined ? null : expiryAfter(now(), duration));
  }

  /** Mints the reserved key (or finds it minted by an earlier attempt) and records it. The
   * plain key is kept until the approval mail of this cycle is delivered. `neverSent`: this run
   * reserved the value, so no earlier attempt can have minted it (EnsureKeyOptions). */
  async function mint(request: KeyRequest, key: string, neverSent: boolean): Promise<Result<RequestPatch>> {
    const settings = deps.keySettingsFor(request.model);
    const keyAlias = `user-${request.email}-${request.model}`;
    const started = now();
    const ensured = await litellm.ensureKey(
      {
        key,
        models: [request.model],
        userId: request.email,
        keyAlias,
        metadata: { request_id: request.id, email: request.email },
        settings,
      },
      { neverSent },
    );
    deps.observeMint(ensured.ok ? 'success' : 'failure', (now() - started) / 1000);
    if (!ensured.ok) {
      return { ok: false, error: withContext(ensured.error, 'key not minted') };
    }
    const { outcome } = ensured.value;
    logger.info({ request_id: request.id, model: request.model, outcome }, 'key issued');
    const reason =
      outcome === 'replaced'
        ? `another key held the alias ${keyAlias}; it was deleted`
        : outcome === 'adopted'
          ? 'the reserved key was live already'
          : null;
    return ok({
      apiKey: key,
      pendingKey: null,
      keyHash: ensured.value.keyHash,
      keyHint: key.slice(-4),
      expiresAt: expiresAt(ensured.value, settings.duration),
      append: [
        historyEntry(ISSUE_ACTION[outcome], ACTORS.worker, { from: 'approved', to: 'approved', reason }),
      ],
    });
  }

  /** Extends the request's existing key with the model's `duration` (none: it never expires),
   * expired or not. Null when LiteLLM no longer knows the key: a new one must be minted. */
  async function extend(request: KeyRequest, keyOrHash: string): Promise<Result<RequestPatch | null>> {
    const { duration } = deps.keySettingsFor(request.model);
    const extended = await litellm.extendKey(keyOrHash, duration ?? NEVER);
    if (!extended.ok) {
      return { ok: false, error: withContext(extended.error, 'key not extended') };
    }
    if (extended.value === null) {
      logger.info({ request_id: request.id }, 'the previous key is gone from LiteLLM; minting a new one');
      return ok(null);
    }
    const until = expiresAt(extended.value, duration);
    logger.info({ request_id: request.id, expires_at: until }, 'key extended');
    return ok({
      expiresAt: until,
      // Records older than hashes named their key by its plain value only.
      keyHash: extended.value.keyHash,
      ...(request.keyHint === null && request.apiKey !== null ? { keyHint: request.apiKey.slice(-4) } : {}),
      append: [
        historyEntry('key-extended', ACTORS.worker, {
          from: 'approved',
          to: 'approved',
          reason: until === null ? 'no longer expires' : `until ${until}`,
        }),
      ],
    });
  }

  return {
    /** The reservation an approval can carry in its own write: a new key value when the request
     * holds no key at all (nothing to extend, nothing reserved), so the next step mints at once
     * instead of first committing the reservation on its own. Empty otherwise: `issue` decides. */
    reservation(request: KeyRequest): Pick<RequestPatch, 'pendingKey'> {
      const held = request.keyHash ?? request.apiKey ?? request.pendingKey;
      return held === null ? { pendingKey: deps.newKeyValue() } : {};
    },

    /** One step towards the key of the current approval: mint the reserved key; else extend
     * the key the request already has (a renewal or re-issue: never a second live key for one
     * request, and the requester keeps the key they configured); else, when there is none or
     * LiteLLM lost it, reserve a new key value, committed before minting so that a crash
     * between the two mints the same value again instead of a second key. `reservedInRun`: the
     * value this run of the worker reserved and committed, if any; it has never been sent. */
    async issue(request: KeyRequest, reservedInRun: string | null): Promise<Result<RequestPatch>> {
      if (request.pendingKey !== null) {
        return mint(request, request.pendingKey, request.pendingKey === reservedInRun);
      }
      const existing = request.keyHash ?? request.apiKey;
      if (existing !== null) {
        const extended = await extend(request, existing);
        if (!extended.ok || extended.value !== null) {
          return extended as Result<RequestPatch>;
        }
      }
      return ok({ pendingKey: deps.newKeyValue() });
    },

    /** Deletes every key the request may hold on LiteLLM (its key, and a reserved one that may
     * have been minted just before) and forgets them; keys LiteLLM does not know count as
     * deleted. The entry names the key masked, so the trail says which one went. */
    async remove(request: KeyRequest): Promise<Result<RequestPatch>> {
      const keys = [request.keyHash, request.apiKey, request.pendingKey].filter(
        (key): key is string => key !== null,
      );
      const deleted = await litellm.deleteKeys(keys);
      if (!deleted.ok) {
        return { ok: false, error: withContext(deleted.error, 'key not deleted') };
      }
      logger.info({ request_id: request.id, state: request.state }, 'key deleted');
      const masked = maskedKey(request);
      return ok({
        apiKey: null,
        pendingKey: null,
        keyHash: null,
        keyHint: null,
        expiresAt: null,
        append: [
          historyEntry('key-deleted', ACTORS.worker, {
            from: request.state,
            to: request.state,
            reason: masked === undefined ? null : `deleted ${masked}`,
          }),
        ],
      });
    },
  };
}

export type KeySteps = ReturnType<typeof createKeySteps>;
