import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keyHash } from '../../src/litellm/key-hash.js';

/** A LiteLLM proxy stand-in on 127.0.0.1, answering the key-management and model routes the
 * way LiteLLM's source does (litellm/proxy/management_endpoints/key_management_endpoints.py,
 * litellm/proxy/auth/user_api_key_auth.py); docs/litellm.md lists the answers it relies on.
 * - Every route that names a key takes the raw `sk-` key or its sha256 hex (LiteLLM's `token`).
 * - /key/generate: a given `key` must start with `sk-`; a duplicate non-null `key_alias` is 400
 *   (`_enforce_unique_key_alias`, checked first; an expired key still holds its alias); a
 *   duplicate key value is an upsert that keeps the existing row and answers 200
 *   (`PrismaClient.insert_data`), or 500 with `duplicateKey: 'error'` for proxies that reject
 *   it. `duration` (`30s`, `5m`, `2h`, `7d`, `1w`, `1mo`) sets `expires`; the answer's `token`
 *   is the hash.
 * - /key/info: unknown key 404 "Key not found in database" (not_found_error); an expired key
 *   is still found (200, `expires` in the past), with its spend and budget.
 * - /key/update: `duration` from now (`-1` = never), `max_budget`, `budget_duration`; unknown
 *   key 404.
 * - /key/delete: by `keys` or `key_aliases`; none found 404 "No keys found".
 * - A virtual key used as the bearer may read /v1/models and its own /key/info; once expired it
 *   gets 400 expired_key "Authentication Error - Expired Key…", like every LiteLLM route.
 * Errors use LiteLLM's ProxyException body: {"error":{"message","type","param","code"}}. */

export type FailureMode = { status: number; body?: unknown } | 'hang' | 'reset';

export interface FailureOptions {
  /** Only calls to this path (e.g. '/key/generate') fail; default all. */
  path?: string;
  /** Perform the call first, then fail the answer: "the proxy did it, the reply was lost". */
  afterHandling?: boolean;
}

export interface FakeCall {
  method: string;
  /** The request target exactly as received, query included: tests assert no key is in it. */
  url: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Set when an injected failure answered this call: its status, `hang` or `reset`, and
   * `after handling` when the call was carried out first. */
  failed?: string;
}

export interface FakeKey {
  key: string;
  /** sha256 hex of the key, LiteLLM's `token`. */
  token: string;
  alias: string | null;
  userId: string | null;
  models: string[];
  metadata: Record<string, unknown>;
  duration: string | null;
  /** ISO 8601 UTC; null = never expires. */
  expires: string | null;
  spend: number;
  maxBudget: number | null;
  budgetDuration: string | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
}

export interface FakeLiteLlm {
  url: string;
  masterKey: string;
  calls: FakeCall[];
  /** Keys that work: stored and not expired. */
  liveKeys(): FakeKey[];
  /** Every stored key, expired ones included (LiteLLM keeps them until deleted). */
  allKeys(): FakeKey[];
  /** Records spend on a key (by key or hash), as traffic through the proxy would. */
  setSpend(keyOrHash: string, usd: number): void;
  /** Moves the proxy's clock forward, so keys expire without waiting. */
  advanceClock(ms: number): void;
  failNext(count: number, mode: FailureMode, options?: FailureOptions): void;
  /** Fails each matching call with chance `probability` (0–1), drawn per call, until `stopFailing`.
   * Several such rules may be active; the first whose draw hits applies. */
  failRandomly(probability: number, mode: FailureMode, options?: FailureOptions): void;
  /** Ends every `failRandomly` rule. */
  stopFailing(): void;
  /** Fails every matching call until called with null. */
  setDown(mode: FailureMode | null, options?: FailureOptions): void;
  /** Ends hung requests and open connections too. */
  close(): Promise<void>;
}

export interface FakeLiteLlmOptions {
  masterKey?: string;
  models?: string[];
  duplicateKey?: 'upsert' | 'error';
  /** Answer every call this many milliseconds after it arrived, like a proxy whose database
   * takes that long (the benchmarks' time-to-key case). Default 0: at once. */
  delayMs?: number;
}

interface Answer {
  status: number;
  body: unknown;
}

interface Failure extends FailureOptions {
  mode: FailureMode;
  remaining: number;
}

interface RandomFailure extends FailureOptions {
  mode: FailureMode;
  probability: number;
}

const abbreviate = (key: string): string => `sk-...${key.slice(-4)}`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** LiteLLM's `duration_in_seconds` applied to `from`: `<n>` plus s, m, h, d, w or mo
 * (calendar months). Null where LiteLLM raises (no number, no known unit). */
function addDuration(from: number, duration: string): number | null {
  const match = /^(\d+)(mo|[smhdw]?)/.exec(duration);
  const unit = match?.[2] ?? '';
  if (match === null || unit === '') {
    return null;
  }
  const amount = Number(match[1]);
  if (unit === 'mo') {
    const date = new Date(from);
    date.setUTCMonth(date.getUTCMonth() + amount);
    return date.getTime();
  }
  return from + amount * (UNIT_SECONDS[unit] ?? 0) * 1000;
}

/** Python's `datetime.isoformat()` for an aware UTC datetime, as LiteLLM's JSON carries it. */
function pythonIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

function proxyError(status: number, message: string, type: string, param = 'None'): Answer {
  return { status, body: { error: { message, type, param, code: String(status) } } };
}

export async function startFakeLiteLlm(options: FakeLiteLlmOptions = {}): Promise<FakeLiteLlm> {
  const masterKey = options.masterKey ?? 'sk-fake-master-key-0123456789';
  const models = options.models ?? ['gpt-4o', 'claude-sonnet'];
  const keys = new Map<string, FakeKey>(); // by token (hash)
  const calls: FakeCall[] = [];
  const planned: Failure[] = [];
  let random: RandomFailure[] = [];
  let down: Failure | null = null;
  let clockOffsetMs = 0;
  const now = (): number => Date.now() + clockOffsetMs;

  const findKey = (keyOrHash: string): FakeKey | undefined =>
    keys.get(keyOrHash.startsWith('sk-') ? keyHash(keyOrHash) : keyOrHash);
  const isExpired = (record: FakeKey): boolean =>
    record.expires !== null && Date.parse(record.expires) < now();

  /** Null when the bearer may make this call; else LiteLLM's refusal. */
  function authenticate(call: FakeCall): Answer | null {
    const header = call.headers.authorization ?? '';
    const received = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (received === masterKey) {
      return null;
    }
    if (received === '') {
      return proxyError(401, 'Authentication Error, No api key passed in.', 'auth_error');
    }
    const virtual = received.startsWith('sk-') ? keys.get(keyHash(received)) : undefined;
    if (virtual === undefined) {
      // Like LiteLLM, echo an abbreviation of the rejected key: clients must not log it verbatim.
      return proxyError(
        401,
        `Authentication Error, Invalid proxy server token passed. Received API Key = ${abbreviate(received)}, Key Hash (Token) =${keyHash(received)}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
        'auth_error',
      );
    }
    if (isExpired(virtual)) {
      const expiry = (virtual.expires ?? '').replace('T', ' ').replace('Z', '+00:00');
      const current = new Date(now()).toISOString().replace('T', ' ').replace('Z', '+00:00');
      return proxyError(
        400,
        `Authentication Error - Expired Key. Key Expiry time ${expiry} and current time ${current}`,
        'expired_key',
        abbreviate(received),
      );
    }
    const endpoint = `${call.method} ${call.path}`;
    const ownInfo =
      endpoint === 'GET /key/info' &&
      (call.query.key === undefined || findKey(call.query.key)?.token === virtual.token);
    if (endpoint === 'GET /v1/models' || endpoint === 'GET /models' || ownInfo) {
      return null;
    }
    return proxyError(401, `Authentication Error, Only proxy admin can call ${call.path}`, 'auth_error');
  }

  function expiresFrom(duration: unknown): { ok: true; expires: string | null } | { ok: false } {
    if (typeof duration !== 'string' || duration === '-1') {
      return { ok: true, expires: null };
    }
    const at = addDuration(now(), duration);
    return at === null ? { ok: false } : { ok: true, expires: new Date(at).toISOString() };
  }

  function generate(body: Record<string, unknown>): Answer {
    const key = body.key ?? `sk-${randomBytes(16).toString('base64url')}`;
    if (typeof key !== 'string' || !key.startsWith('sk-')) {
      return proxyError(
        400,
        "{'error': \"Invalid key format. LiteLLM Virtual Key must start with 'sk-'.\"}",
        'internal_server_error',
      );
    }
    const alias = typeof body.key_alias === 'string' ? body.key_alias : null;
    if (alias !== null && [...keys.values()].some((existing) => existing.alias === alias)) {
      return proxyError(
        400,
        `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
        'bad_request_error',
        'key_alias',
      );
    }
    const token = keyHash(key);
    if (keys.has(token) && options.duplicateKey === 'error') {
      return proxyError(500, "{'error': 'Internal Server Error.'}", 'internal_server_error');
    }
    const expiry = expiresFrom(body.duration);
    if (!expiry.ok) {
      return proxyError(
        500,
        "{'error': 'Internal Server Error, Invalid duration format'}",
        'internal_server_error',
      );
    }
    const record: FakeKey = keys.get(token) ?? {
      key,
      token,
      alias,
      userId: typeof body.user_id === 'string' ? body.user_id : null,
      models: Array.isArray(body.models) ? body.models.filter((m): m is string => typeof m === 'string') : [],
      metadata: typeof body.metadata === 'object' && body.metadata !== null ? { ...body.metadata } : {},
      duration: typeof body.duration === 'string' ? body.duration : null,
      expires: expiry.expires,
      spend: 0,
      maxBudget: typeof body.max_budget === 'number' ? body.max_budget : null,
      budgetDuration: typeof body.budget_duration === 'string' ? body.budget_duration : null,
      rpmLimit: typeof body.rpm_limit === 'number' ? body.rpm_limit : null,
      tpmLimit: typeof body.tpm_limit === 'number' ? body.tpm_limit : null,
    };
    keys.set(token, record);
    // LiteLLM's generate answer: `key` is the key, `token` and `token_id` its hash.
    return { status: 200, body: { ...describe(record), key: record.key, token, token_id: token } };
  }

  /** A key row as /key/info shows it (LiteLLM pops `token` before answering). */
  function describe(record: FakeKey): Record<string, unknown> {
    return {
      key_alias: record.alias,
      key_name: abbreviate(record.key),
      user_id: record.userId,
      models: record.models,
      metadata: record.metadata,
      spend: record.spend,
      max_budget: record.maxBudget,
      budget_duration: record.budgetDuration,
      rpm_limit: record.rpmLimit,
      tpm_limit: record.tpmLimit,
      expires: record.expires === null ? null : pythonIso(Date.parse(record.expires)),
    };
  }

  function update(body: Record<string, unknown>): Answer {
    const given = typeof body.key === 'string' ? body.key : '';
    const record = findKey(given);
    if (record === undefined) {
      // update_key_fn's own wording for a missing key row.
      return proxyError(404, "{'error': 'Team not found, passed team_id=None'}", 'auth_error');
    }
    if ('duration' in body) {
      const expiry = expiresFrom(body.duration);
      if (!expiry.ok) {
        return proxyError(400, 'Authentication Error, Invalid duration format', 'auth_error');
      }
      record.expires = expiry.expires;
      record.duration = typeof body.duration === 'string' ? body.duration : null;
    }
    if (typeof body.max_budget === 'number') {
      record.maxBudget = body.max_budget;
    }
    if (typeof body.budget_duration === 'string') {
      record.budgetDuration = body.budget_duration;
    }
    return { status: 200, body: { key: given, ...describe(record) } };
  }

  function remove(body: Record<string, unknown>): Answer {
    const list = (value: unknown): string[] | null =>
      Array.isArray(value) && value.length > 0
        ? value.filter((v): v is string => typeof v === 'string')
        : null;
    const byKeys = list(body.keys);
    const byAliases = list(body.key_aliases);
    let targets: FakeKey[];
    if (byKeys !== null) {
      targets = byKeys.map(findKey).filter((k): k is FakeKey => k !== undefined);
    } else if (byAliases !== null) {
      targets = [...keys.values()].filter((k) => k.alias !== null && byAliases.includes(k.alias));
    } else {
      return proxyError(500, 'Invalid request type', 'internal_server_error');
    }
    if (targets.length === 0) {
      return proxyError(404, "{'error': 'No keys found'}", 'internal_server_error');
    }
    for (const target of targets) {
      keys.delete(target.token);
    }
    return { status: 200, body: { deleted_keys: byKeys ?? byAliases } };
  }

  function route(call: FakeCall): Answer {
    const unauthorized = authenticate(call);
    if (unauthorized !== null) {
      return unauthorized;
    }
    const body =
      typeof call.body === 'object' && call.body !== null ? (call.body as Record<string, unknown>) : {};
    const endpoint = `${call.method} ${call.path}`;
    if (endpoint === 'GET /v1/models' || endpoint === 'GET /models') {
      const data = models.map((id) => ({ id, object: 'model', created: 1677610602, owned_by: 'openai' }));
      return { status: 200, body: { data, object: 'list' } };
    }
    if (endpoint === 'POST /key/generate') {
      return generate(body);
    }
    if (endpoint === 'GET /key/info') {
      // Without `key`, LiteLLM describes the bearer's own key (the master key has no row).
      const asked = call.query.key ?? (call.headers.authorization ?? '').replace(/^Bearer /, '');
      const record = findKey(asked);
      if (record === undefined) {
        return proxyError(404, 'Key not found in database', 'not_found_error', 'key');
      }
      return { status: 200, body: { key: asked, info: describe(record) } };
    }
    if (endpoint === 'POST /key/update') {
      return update(body);
    }
    if (endpoint === 'POST /key/delete') {
      return remove(body);
    }
    return { status: 404, body: { detail: 'Not Found' } };
  }

  function takeFailure(path: string): Failure | null {
    const matches = (failure: FailureOptions) => failure.path === undefined || failure.path === path;
    if (down !== null && matches(down)) {
      return down;
    }
    const next = planned.find((failure) => failure.remaining > 0 && matches(failure));
    if (next !== undefined) {
      next.remaining -= 1;
      return next;
    }
    const drawn = random.find((failure) => matches(failure) && Math.random() < failure.probability);
    return drawn === undefined ? null : { ...drawn, remaining: 0 };
  }

  function send(res: ServerResponse, answer: Answer): void {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  }

  function fail(req: IncomingMessage, res: ServerResponse, mode: FailureMode): void {
    if (mode === 'reset') {
      req.socket.destroy();
    } else if (mode !== 'hang') {
      // A hung request is simply never answered; close() ends its connection.
      send(res, {
        status: mode.status,
        body: mode.body ?? proxyError(mode.status, 'injected failure', 'internal_server_error').body,
      });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      send(res, {
        status: 422,
        body: { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }] },
      });
      return;
    }
    const call: FakeCall = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: req.headers,
    };
    calls.push(call);
    if (options.delayMs !== undefined && options.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    }
    const failure = takeFailure(call.path);
    if (failure !== null) {
      const mode = typeof failure.mode === 'string' ? failure.mode : String(failure.mode.status);
      call.failed = `${mode}${failure.afterHandling === true ? ' after handling' : ''}`;
    }
    if (failure !== null && failure.afterHandling !== true) {
      fail(req, res, failure.mode);
      return;
    }
    const answer = route(call);
    if (failure !== null) {
      fail(req, res, failure.mode);
      return;
    }
    send(res, answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const copy = (record: FakeKey): FakeKey => ({ ...record, metadata: { ...record.metadata } });

  return {
    url: `http://127.0.0.1:${port}`,
    masterKey,
    calls,
    liveKeys: () => [...keys.values()].filter((record) => !isExpired(record)).map(copy),
    allKeys: () => [...keys.values()].map(copy),
    setSpend(keyOrHash, usd) {
      const record = findKey(keyOrHash);
      if (record === undefined) {
        throw new Error('fake LiteLLM: setSpend on an unknown key');
      }
      record.spend = usd;
    },
    advanceClock(ms) {
      clockOffsetMs += ms;
    },
    failNext(count, mode, failureOptions = {}) {
      planned.push({ ...failureOptions, mode, remaining: count });
    },
    failRandomly(probability, mode, failureOptions = {}) {
      random.push({ ...failureOptions, mode, probability });
    },
    stopFailing() {
      random = [];
    },
    setDown(mode, failureOptions = {}) {
      down = mode === null ? null : { ...failureOptions, mode, remaining: Number.POSITIVE_INFINITY };
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
