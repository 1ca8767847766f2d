import type { KeySettings } from '../config/config-schema.js';

/** Why a LiteLLM call failed. `message` is safe to log and to store as a request's
 * `lastError`: it never contains the master key, a minted key or a URL with a key in it. */
export interface LiteLlmError {
  /** `unreachable`: no HTTP answer (refused, reset, DNS); `timeout`: no complete answer in
   * time; `http`: an answer we cannot use (non-2xx, too large, not the expected JSON). */
  kind: 'unreachable' | 'timeout' | 'http';
  status?: number;
  message: string;
}

/** Expected failures are values, not exceptions (see STYLE.md). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: LiteLlmError };

/** The subset of a pino logger the client uses; a pino `Logger` satisfies it. */
export interface LiteLlmLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

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
