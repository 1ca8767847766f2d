import { randomBytes } from 'node:crypto';
import { MODEL_ID_MAX_LENGTH } from '../requests/limits.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { fail, ok, type Result } from '../shared/result.js';
import { createLiteLlmHttp, type HttpAnswer, type HttpCall, isRecord } from './litellm-http.js';
import type { GenerateKeyRequest, LiteLlmClient } from './litellm-types.js';

export type { GenerateKeyRequest, LiteLlmClient } from './litellm-types.js';

export interface LiteLlmClientDeps {
  baseUrl: string;
  /** The proxy's master key. */
  apiKey: string;
  /** Per call, connect to last body byte. Default 10 s. */
  timeoutMs?: number;
  logger: Pick<Logger, 'debug' | 'info' | 'warn'>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const MODELS_BODY_BYTES = 4 * 1024 * 1024;
const MAX_MODELS = 10_000;

const KEY_BODY_BYTES = 256 * 1024;

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

export function createLiteLlmClient(deps: LiteLlmClientDeps): LiteLlmClient {
  const http = createLiteLlmHttp({
    baseUrl: deps.baseUrl,
    apiKey: deps.apiKey,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const { logger } = deps;

  /** Sends and logs one call. Only `op` is logged, never the URL: /key/info carries the key. */
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

  async function keyExists(key: string): Promise<Result<boolean>> {
    const call: HttpCall = {
      op: 'GET /key/info',
      method: 'GET',
      path: '/key/info',
      query: { key },
      maxBytes: KEY_BODY_BYTES,
      secrets: [key],
    };
    const sent = await exchange(call);
    if (!sent.ok) {
      return sent;
    }
    const { status, json } = sent.value;
    if (status === 200) {
      return ok(true);
    }
    // LiteLLM (since v1.52, PR #6653) answers an unknown key with 404 "Key not found in
    // database", type not_found_error. 401/403 stay errors: they mean a bad master key.
    if (status === 404 || (status === 400 && isNotFoundAnswer(json))) {
      return ok(false);
    }
    return unusable(http.answerError(call, sent.value), call.op);
  }

  async function generateKey(request: GenerateKeyRequest): Promise<Result<void>> {
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
      return sent;
    }
    const { status, json } = sent.value;
    if (status !== 200 && status !== 201) {
      return unusable(http.answerError(call, sent.value), call.op);
    }
    const returned = isRecord(json) ? json.key : undefined;
    if (typeof returned === 'string' && returned !== request.key) {
      // A proxy hook replaced our value: that key is live but nobody stored it. Remove it
      // so a retry cannot pile up orphans, and report the misconfiguration.
      const removed = await deleteKeys([returned]);
      return unusable(
        new AppError(
          'bad-response',
          `${call.op}: the proxy ignored the requested key value (stray key ${removed.ok ? 'deleted' : 'NOT deleted'})`,
          { status },
        ),
        call.op,
      );
    }
    return ok(undefined);
  }

  async function deleteKeys(keys: string[]): Promise<Result<void>> {
    if (keys.length === 0) {
      return ok(undefined);
    }
    const call: HttpCall = {
      op: 'POST /key/delete',
      method: 'POST',
      path: '/key/delete',
      body: { keys },
      maxBytes: KEY_BODY_BYTES,
      secrets: keys,
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
    // Whatever the wording, the goal is met if none of the keys is live any more.
    if (status === 400 || status === 422) {
      const stillLive = await anyLive(keys);
      if (stillLive.ok && !stillLive.value) {
        return ok(undefined);
      }
    }
    return unusable(error, call.op);
  }

  async function anyLive(keys: string[]): Promise<Result<boolean>> {
    for (const key of keys) {
      const exists = await keyExists(key);
      if (!exists.ok || exists.value) {
        return exists;
      }
    }
    return ok(false);
  }

  /** Check, create, re-check. LiteLLM keeps at most one row per key value (it upserts on
   * the key's hash) and rejects a second key with the same alias, so a concurrent or
   * earlier attempt that won makes our generate fail or no-op, and the re-check sees it. */
  async function ensureKey(request: GenerateKeyRequest): Promise<Result<void>> {
    const before = await keyExists(request.key);
    if (!before.ok) {
      return before;
    }
    if (before.value) {
      logger.info({ op: 'ensureKey' }, 'litellm key already live');
      return ok(undefined);
    }
    const generated = await generateKey(request);
    if (generated.ok) {
      return generated;
    }
    const after = await keyExists(request.key);
    if (after.ok && after.value) {
      logger.info(
        { op: 'ensureKey', generateError: generated.error.message },
        'litellm key created by an earlier or concurrent attempt',
      );
      return ok(undefined);
    }
    return generated;
  }

  return { listModels, keyExists, generateKey, deleteKeys, ensureKey };
}

function isNotFoundAnswer(json: unknown): boolean {
  if (!isRecord(json) || !isRecord(json.error)) {
    return false;
  }
  const { type, message } = json.error;
  return type === 'not_found_error' || (typeof message === 'string' && /not found/i.test(message));
}
