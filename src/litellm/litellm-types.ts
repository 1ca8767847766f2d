import type { KeySettings } from '../config/config-schema.js';
import type { Result } from '../shared/result.js';

export interface GenerateKeyRequest {
  /** The key value, chosen (and stored) by the caller before the call: `sk-...`. */
  key: string;
  models: string[];
  userId: string;
  keyAlias: string;
  /** Merged over `settings.metadata`, so these entries (request_id, email) win. */
  metadata: Record<string, unknown>;
  /** `key_defaults` already merged with the model's `key` settings. */
  settings: KeySettings;
}

/** Every call resolves to a Result; a failure is an AppError whose message is safe to log and
 * to store as a request's `lastError`: it never contains the master key, a minted key or a
 * URL with a key in it. Codes: `unreachable` (no HTTP answer: refused, reset, DNS), `timeout`
 * (no complete answer in time), `bad-response` (a 5xx, 408 or 429, or an answer we cannot use: too large,
 * not the expected JSON) and `rejected` (a 3xx or 4xx, e.g. a wrong master key). `retry` is
 * false where only an operator can help (a rejection, an unusable 2xx answer). */
export interface LiteLlmClient {
  /** Ids of the proxy's `GET /v1/models`. */
  listModels(): Promise<Result<string[]>>;
  /** Whether LiteLLM knows a live key with this value (`GET /key/info`). */
  keyExists(key: string): Promise<Result<boolean>>;
  /** One `POST /key/generate`; no retry, no existence check (see `ensureKey`). */
  generateKey(request: GenerateKeyRequest): Promise<Result<void>>;
  /** `POST /key/delete`; keys that do not exist count as deleted. */
  deleteKeys(keys: string[]): Promise<Result<void>>;
  /** Leaves exactly one live key with `request.key`, whether or not an earlier or
   * concurrent attempt already created it. Safe to repeat after any crash. */
  ensureKey(request: GenerateKeyRequest): Promise<Result<void>>;
}
