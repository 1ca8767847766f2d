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
  /** `key_defaults` already merged with the model's own `key` settings. */
  settings: KeySettings;
}

/** What the caller records about a key LiteLLM holds. */
export interface KeyRecord {
  /** sha256 hex of the key value, LiteLLM's `token`: every later call names the key by it. */
  keyHash: string;
  /** When LiteLLM stops accepting the key (ISO 8601, UTC); null = it never expires. */
  expires: string | null;
}

/** How `ensureKey` got its live key:
 * - `minted`: this call's `/key/generate` created it;
 * - `adopted`: the reserved key was live already (an earlier or concurrent attempt minted it,
 *   whether found before generating or after generate failed, e.g. on its alias);
 * - `replaced`: another key held the alias; it was deleted and the reserved key minted. */
export type EnsureOutcome = 'minted' | 'adopted' | 'replaced';

export interface EnsuredKey extends KeyRecord {
  outcome: EnsureOutcome;
}

export interface EnsureKeyOptions {
  /** The caller reserved `key` itself moments ago and has not sent it to LiteLLM yet, so no key
   * can be live under it: the look-up before `/key/generate` is skipped. Never set on a retry
   * (another run, another process): an earlier attempt whose answer was lost may have minted it.
   * Skipping is safe in any case, since LiteLLM holds at most one key per value; the look-up
   * after a failed generate stays, and adopts a key minted meanwhile. */
  neverSent?: boolean;
}

/** `/key/info` about a key LiteLLM knows. */
export interface KeyInfo extends KeyRecord {
  /** False once `expires` has passed. LiteLLM keeps an expired key, alias included, until it
   * is deleted, and `/key/update` with a new duration makes it work again. */
  live: boolean;
  keyAlias: string | null;
  /** Spend so far in USD; null when LiteLLM did not say. */
  spend: number | null;
  maxBudget: number | null;
  budgetDuration: string | null;
}

/** Every call resolves to a Result; a failure is an AppError whose message is safe to log and
 * to store as a request's `lastError`: it never contains the master key, a minted key or a
 * URL with a key in it. Codes: `unreachable` (no HTTP answer: refused, reset, DNS), `timeout`
 * (no complete answer in time), `bad-response` (a 5xx, 408 or 429, or an answer we cannot use: too large,
 * not the expected JSON) and `rejected` (a 3xx or 4xx, e.g. a wrong master key). `retry` is
 * false where only an operator can help (a rejection, an unusable 2xx answer).
 *
 * Calls that name an existing key take the key or its hash (`keyOrHash`) and always send the
 * hash (`toKeyHash`): a full key never appears in a URL, a body or the proxy's access log. */
export interface LiteLlmClient {
  /** Ids of the proxy's `GET /v1/models`. */
  listModels(): Promise<Result<string[]>>;
  /** `GET /key/info?key=<hash>`; null when LiteLLM does not know the key (never minted, or deleted). */
  keyInfo(keyOrHash: string): Promise<Result<KeyInfo | null>>;
  /** One `POST /key/generate`; no retry, no existence check (see `ensureKey`). */
  generateKey(request: GenerateKeyRequest): Promise<Result<KeyRecord>>;
  /** `POST /key/update {key: <hash>, duration}`: the key expires `duration` from now (LiteLLM's
   * duration grammar, e.g. `30d`), expired or not. Null when LiteLLM does not know the key. */
  extendKey(keyOrHash: string, duration: string): Promise<Result<KeyRecord | null>>;
  /** `POST /key/delete {keys: [<hash>...]}`; keys that do not exist count as deleted. */
  deleteKeys(keysOrHashes: string[]): Promise<Result<void>>;
  /** `POST /key/delete {key_aliases: [alias]}`; an alias nobody holds counts as deleted. */
  deleteKeyAlias(alias: string): Promise<Result<void>>;
  /** Leaves exactly one live key with `request.key` under `request.keyAlias`, whether or not an
   * earlier or concurrent attempt already created it, and whoever held the alias before.
   * Safe to repeat after any crash. */
  ensureKey(request: GenerateKeyRequest, options?: EnsureKeyOptions): Promise<Result<EnsuredKey>>;
}
