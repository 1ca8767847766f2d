import type { Logger } from '../shared/logger.js';
import { ok, type Result } from '../shared/result.js';
import { keyHash } from './key-hash.js';
import type {
  EnsuredKey,
  EnsureKeyOptions,
  GenerateKeyRequest,
  KeyRecord,
  LiteLlmClient,
} from './litellm-types.js';

/** One `/key/generate`, with whether LiteLLM refused it because another key holds the alias. */
export interface GenerateAttempt {
  result: Result<KeyRecord>;
  aliasTaken: boolean;
}

export interface EnsureKeyDeps {
  keyInfo: LiteLlmClient['keyInfo'];
  deleteKeyAlias: LiteLlmClient['deleteKeyAlias'];
  generate: (request: GenerateKeyRequest) => Promise<GenerateAttempt>;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** Check, create, re-check; on an alias held by someone else, delete that key and create again.
 * The first check is skipped for a value the caller has never sent (`neverSent`).
 *
 * LiteLLM keeps at most one row per key value (it upserts on the key's hash) and rejects a
 * second key with the same alias, so a concurrent or earlier attempt that won makes our
 * generate fail or no-op, and the re-check finds the reserved key (`adopted`). Only when the
 * reserved key is still absent is the alias holder someone else's (made by hand, by the old
 * service, or an expired key of an earlier request): it is deleted by alias, as the service we
 * replace did, and the reserved key minted (`replaced`). Every step is safe to repeat. */
export function createEnsureKey(deps: EnsureKeyDeps) {
  const { logger } = deps;

  /** The reserved key as LiteLLM holds it, or null when it does not. */
  async function reserved(hash: string): Promise<Result<EnsuredKey | null>> {
    const info = await deps.keyInfo(hash);
    if (!info.ok || info.value === null) {
      return info.ok ? ok(null) : info;
    }
    return ok({ outcome: 'adopted', keyHash: info.value.keyHash, expires: info.value.expires });
  }

  return async function ensureKey(
    request: GenerateKeyRequest,
    options: EnsureKeyOptions = {},
  ): Promise<Result<EnsuredKey>> {
    const hash = keyHash(request.key);
    if (options.neverSent !== true) {
      const before = await reserved(hash);
      if (!before.ok) {
        return before;
      }
      if (before.value !== null) {
        logger.info({ op: 'ensureKey' }, 'litellm key already live');
        return ok(before.value);
      }
    }
    const first = await deps.generate(request);
    if (first.result.ok) {
      return ok({ outcome: 'minted', ...first.result.value });
    }
    const after = await reserved(hash);
    if (after.ok && after.value !== null) {
      logger.info(
        { op: 'ensureKey', generateError: first.result.error.message },
        'litellm key created by an earlier or concurrent attempt',
      );
      return ok(after.value);
    }
    if (!first.aliasTaken || !after.ok) {
      return first.result;
    }

    const removed = await deps.deleteKeyAlias(request.keyAlias);
    if (!removed.ok) {
      return removed;
    }
    logger.warn({ op: 'ensureKey' }, 'litellm key alias was held by another key; that key was deleted');
    const second = await deps.generate(request);
    if (second.result.ok) {
      return ok({ outcome: 'replaced', ...second.result.value });
    }
    const last = await reserved(hash);
    if (last.ok && last.value !== null) {
      return ok({ ...last.value, outcome: 'replaced' });
    }
    return second.result;
  };
}
