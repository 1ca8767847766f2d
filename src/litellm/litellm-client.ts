import { randomBytes } from 'node:crypto';
import { MODEL_ID_MAX_LENGTH } from '../requests/limits.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { fail, ok, type Result } from '../shared/result.js';
import { createEnsureKey, type GenerateAttempt } from './ensure-key.js';
import { isAliasTakenAnswer, isNotFoundAnswer, readExpires, readKeyInfo } from './key-answers.js';
import { keyHash, toKeyHash } from './key-hash.js';
import { createLiteLlmHttp, type HttpAnswer, type HttpCall, isRecord } from './litellm-http.js';
import type { GenerateKeyRequest, KeyInfo, KeyRecord, LiteLlmClient } from './litellm-types.js';

export type { GenerateKeyRequest, LiteLlmClient } from './litellm-types.js';

export interface LiteLlmClientDeps {
  baseUrl: string;
  /** The proxy's master key. */
  apiKey: string;
  /** Per call, connect to last body byte. Default 10 s. */
  timeoutMs?: number;
  logger: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** Tells a live key from an expired one. Default Date.now. */
  now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MODELS_BODY_BYTES = 4 * 1024 * 1024;
const MAX_MODELS = 10_000;

const KEY_BODY_BYTES = 256 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Scalar key settings copied to `/key/generate`, named as LiteLLM names them. Listed
 * explicitly so a settings object can never smuggle in `key`, `user_id` or `models`. */
const KEY_LIMIT_FIELDS = ['duration', 'max_budget', 'budget_duration', 'rpm_limit', 'tpm_limit'] as const;

/** A key value for LiteLLM's `key` parameter: `sk-` (LiteLLM rejects anything else)
 * followed by 256 random bits, base64url like LiteLLM's own `secrets.token_urlsafe`. */
export function newKeyValue(): string {
  return `sk-${randomBytes(32).toString('base64url')}`;
}

/** The `/key/generate` body of docs/design.md ("Worker"): request fields, then the merged key settings,
 * with `metadata` = settings.metadata overlaid by the request's (request_id, email). */
export function buildGenerateKeyBody(request: GenerateKeyRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    models: request.models,
    user_id: request.userId,
    key_alias: request.keyAlias,
    metadata: { ...request.settings.metadata, ...request.metadata },
  };
  for (const field of KEY_LIMIT_FIELDS) {
    const value = request.settings[field];
    if (value !== undefined) {
      body[field] = value;
    }
  }
  body.key = request.key;
  return body;
}

/** Plain keys among values that name a key: scrubbed from anything derived from an answer. */
function plainKeys(keysOrHashes: string[]): string[] {
  return keysOrHashes.filter((value) => value.startsWith('sk-'));
}

export function createLiteLlmClient(deps: LiteLlmClientDeps): LiteLlmClient {
  const http = createLiteLlmHttp({
    baseUrl: deps.baseUrl,
    apiKey: deps.apiKey,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const { logger } = deps;
  const now = deps.now ?? Date.now;

  /** Sends and logs one call. Only `op` is logged, never the URL or the body. */
  async function exchange(call: HttpCall): Promise<Result<HttpAnswer>> {
    const started = Date.now();
    const result = await http.send(call);
    const ms = Date.now() - started;
    if (result.ok) {
      logger.debug({ op: call.op, status: result.value.status, ms }, 'litellm call');
    } else {
      logger.warn(
        { op: call.op, code: result.error.code, ms, err: result.error.message },
        'litellm call failed',
      );
    }
    return result;
  }

  function unusable<T>(error: AppError, op: string): Result<T> {
    logger.warn(
      { op, code: error.code, status: error.status, err: error.message },
      'litellm answer unusable',
    );
    return fail(error);
  }

  async function listModels(): Promise<Result<string[]>> {
    const call: HttpCall = {
      op: 'GET /v1/models',
      method: 'GET',
      path: '/v1/models',
      maxBytes: MODELS_BODY_BYTES,
      secrets: [],
    };
    const sent = await exchange(call);
    if (!sent.ok) {
      return sent;
    }
    const { status, json } = sent.value;
    if (status !== 200) {
      return unusable(http.answerError(call, sent.value), call.op);
    }
    if (!isRecord(json) || !Array.isArray(json.data)) {
      // Not a LiteLLM answer (a login page, another service): the base URL needs fixing.
      return unusable(
        new AppError('bad-response', `${call.op}: answer has no "data" list`, { status }),
        call.op,
      );
    }
    const ids = new Set<string>();
    for (const entry of json.data) {
      // Entries carry more (object, created, owned_by); only a usable id matters here.
      const id = isRecord(entry) ? entry.id : undefined;
      if (typeof id === 'string' && id.length > 0 && id.length <= MODEL_ID_MAX_LENGTH) {
        ids.add(id);
      }
      if (ids.size >= MAX_MODELS) {
        break;
      }
    }
    return ok([...ids]);
  }

  async function keyInfo(keyOrHash: string): Promise<Result<KeyInfo | null>> {
    const hash = toKeyHash(keyOrHash);
    const call: HttpCall = {
      op: 'GET /key/info',
      method: 'GET',
      path: '/key/info',
      query: { key: hash },
      maxBytes: KEY_BODY_BYTES,
      secrets: plainKeys([keyOrHash]),
    };
    const sent = await exchange(call);
    if (!sent.ok) {
      return sent;
    }
    const { status, json } = sent.value;
    if (status === 200) {
      const info = readKeyInfo(json, hash, now());
      return info === undefined
        ? unusable(new AppError('bad-response', `${call.op}: answer has no key "info"`, { status }), call.op)
        : ok(info);
    }
    // 401/403 stay errors: they mean a bad master key, not a missing key.
    if (isNotFoundAnswer(status, json)) {
      return ok(null);
    }
    return unusable(http.answerError(call, sent.value), call.op);
  }

  /** The expiry an answer did not state, read back from `/key/info`. */
  async function expiresOf(hash: string, op: string, status: number): Promise<Result<KeyRecord>> {
    const info = await keyInfo(hash);
    if (!info.ok) {
      return info;
    }
    if (info.value === null) {
      return unusable(
        new AppError('bad-response', `${op}: the key is gone right after the call`, { status }),
        op,
      );
    }
    return ok({ keyHash: hash, expires: info.value.expires });
  }

  async function attemptGenerate(request: GenerateKeyRequest): Promise<GenerateAttempt> {
    const call: HttpCall = {
      op: 'POST /key/generate',
      method: 'POST',
      path: '/key/generate',
      body: buildGenerateKeyBody(request),
      maxBytes: KEY_BODY_BYTES,
      secrets: [request.key],
    };
    const sent = await exchange(call);
    if (!sent.ok) {
      return { result: sent, aliasTaken: false };
    }
    const { status, json } = sent.value;
    if (status !== 200 && status !== 201) {
      const aliasTaken = isAliasTakenAnswer(status, json);
      return { result: unusable(http.answerError(call, sent.value), call.op), aliasTaken };
    }
    const answer = isRecord(json) ? json : {};
    if (typeof answer.key === 'string' && answer.key !== request.key) {
      // A proxy hook replaced our value: that key is live but nobody stored it. Remove it
      // so a retry cannot pile up orphans, and report the misconfiguration.
      const removed = await deleteKeys([answer.key]);
      const error = new AppError(
        'bad-response',
        `${call.op}: the proxy ignored the requested key value (stray key ${removed.ok ? 'deleted' : 'NOT deleted'})`,
        { status },
      );
      return { result: unusable(error, call.op), aliasTaken: false };
    }
    // Since LiteLLM moved `token` to the hash (it used to repeat the key), `token` and
    // `token_id` are the hash; computing it is the fallback for a proxy that says neither.
    const stated = [answer.token, answer.token_id].find(
      (value): value is string => typeof value === 'string' && SHA256_HEX.test(value),
    );
    const hash = stated ?? keyHash(request.key);
    const expires = readExpires(answer.expires);
    const result =
      expires === undefined ? await expiresOf(hash, call.op, status) : ok({ keyHash: hash, expires });
    return { result, aliasTaken: false };
  }

  async function generateKey(request: GenerateKeyRequest): Promise<Result<KeyRecord>> {
    return (await attemptGenerate(request)).result;
  }

  async function extendKey(keyOrHash: string, duration: string): Promise<Result<KeyRecord | null>> {
    const hash = toKeyHash(keyOrHash);
    const call: HttpCall = {
      op: 'POST /key/update',
      method: 'POST',
      path: '/key/update',
      body: { key: hash, duration },
      maxBytes: KEY_BODY_BYTES,
      secrets: plainKeys([keyOrHash]),
    };
    const sent = await exchange(call);
    if (!sent.ok) {
      return sent;
    }
    const { status, json } = sent.value;
    if (status >= 200 && status <= 299) {
      const expires = readExpires(isRecord(json) ? json.expires : undefined);
      return expires === undefined ? expiresOf(hash, call.op, status) : ok({ keyHash: hash, expires });
    }
    // LiteLLM answers an unknown key with 404 (whatever its message says); some releases
    // with a 400, so a 400 counts as "unknown" once /key/info confirms it.
    if (isNotFoundAnswer(status, json)) {
      return ok(null);
    }
    if (status === 400) {
      const known = await keyInfo(hash);
      if (known.ok && known.value === null) {
        return ok(null);
      }
    }
    return unusable(http.answerError(call, sent.value), call.op);
  }

  async function deleteKeys(keysOrHashes: string[]): Promise<Result<void>> {
    const hashes = [...new Set(keysOrHashes.map(toKeyHash))];
    if (hashes.length === 0) {
      return ok(undefined);
    }
    const call: HttpCall = {
      op: 'POST /key/delete',
      method: 'POST',
      path: '/key/delete',
      body: { keys: hashes },
      maxBytes: KEY_BODY_BYTES,
      secrets: plainKeys(keysOrHashes),
    };
    const sent = await exchange(call);
    if (!sent.ok) {
      return sent;
    }
    const { status } = sent.value;
    // 404 "No keys found": none of them exists, which is what deleting wants.
    if ((status >= 200 && status <= 299) || status === 404) {
      return ok(undefined);
    }
    const error = http.answerError(call, sent.value);
    // Older LiteLLM answered an unknown key with 400 "Not all keys passed in were deleted".
    // Whatever the wording, the goal is met if LiteLLM knows none of the keys any more.
    if (status === 400 || status === 422) {
      const remaining = await anyKnown(hashes);
      if (remaining.ok && !remaining.value) {
        return ok(undefined);
      }
    }
    return unusable(error, call.op);
  }

  async function anyKnown(hashes: string[]): Promise<Result<boolean>> {
    for (const hash of hashes) {
      const info = await keyInfo(hash);
      if (!info.ok) {
        return info;
      }
      if (info.value !== null) {
        return ok(true);
      }
    }
    return ok(false);
  }

  async function deleteKeyAlias(alias: string): Promise<Result<void>> {
    const call: HttpCall = {
      op: 'POST /key/delete (alias)',
      method: 'POST',
      path: '/key/delete',
      body: { key_aliases: [alias] },
      maxBytes: KEY_BODY_BYTES,
      secrets: [],
    };
    const sent = await exchange(call);
    if (!sent.ok) {
      return sent;
    }
    const { status } = sent.value;
    if ((status >= 200 && status <= 299) || status === 404) {
      return ok(undefined);
    }
    return unusable(http.answerError(call, sent.value), call.op);
  }

  const ensureKey = createEnsureKey({ keyInfo, deleteKeyAlias, generate: attemptGenerate, logger });

  return { listModels, keyInfo, generateKey, extendKey, deleteKeys, deleteKeyAlias, ensureKey };
}
