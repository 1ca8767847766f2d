import type { LocalSubject } from '../approval/approval-types.js';
import type { ModelCatalog } from '../models/model-catalog.js';
import { AppError, notFound, storeCall, validationError } from '../shared/errors.js';
import type { RequestBrief, RequestStore } from '../store/request-store.js';
import type { ChainDecision, LocalDecision } from './decision.js';
import { epochHour, needsWork } from './duties.js';
import { type CanonicalEmailOptions, canonicalEmail, normalizeEmail } from './email.js';
import { ACTORS } from './history.js';
import type { LifecyclePolicy } from './lifecycle.js';
import { type KeyRequest, type Language, toLanguage } from './request-types.js';
import type { RequesterTokens } from './requester-token.js';
import { type KeyUsage, type RequesterView, toPublicStatus, toRequesterView } from './requester-view.js';
import { type Action, allows, allowsFrom, planTransition } from './transitions.js';

export interface RequestServiceDeps {
  store: Pick<RequestStore, 'create' | 'findBriefByEmailAndModel' | 'get' | 'update'>;
  catalog: Pick<ModelCatalog, 'isRequestable'>;
  tokens: RequesterTokens;
  lifecycle: LifecyclePolicy;
  email: CanonicalEmailOptions;
  /** Tells the local worker there is new work, so it need not wait for its interval. */
  wakeWorker: () => void;
  /** The chain's decision on a new request when it needs no I/O (decision.ts); absent or null:
   * the request is created pending and the worker runs the chain. */
  decide?: (subject: LocalSubject) => LocalDecision | null;
  /** Told of every decision written with a new request (the decisions metric). */
  onDecided?: (outcome: ChainDecision) => void;
  /** Spend and budget of a live key by its hash; null when LiteLLM does not answer in time.
   * Without it the requester's view has no spend and budget. */
  keyUsage?: (keyHash: string) => Promise<KeyUsage | null>;
  now?: () => number;
}

/** A new request hands back its id, token and page; for an existing one the public answer
 * says nothing (docs/design.md, "No enumeration"): `outcome` is only for the caller's log.
 * The portal's submission (`submitFromPortal`) reads only the brief of an existing request;
 * `submit` hands back the existing request as it now is, for callers who may see any request,
 * the admins' MCP `request_key`. */
export type SubmitResult<Existing extends RequestBrief = KeyRequest> =
  | { created: true; request: KeyRequest; token: string; url: string }
  | { created: false; outcome: 'renewed' | 'link-mail' | 'nothing'; request: Existing };

export interface SubmitInput {
  email: string;
  llm: string;
  /** The portal's language; unknown ones count as none (English). */
  language?: string | undefined;
}

/** Whether `request` is a whole request rather than only its brief. */
function isWhole(request: RequestBrief): request is KeyRequest {
  return 'history' in request;
}

/** How often a write that lost a race is tried again on the fresh record. */
const ATTEMPTS = 5;

/** The requester's side: submit a request, read it, renew it, revoke its key. */
export function createRequestService(deps: RequestServiceDeps) {
  const { store, catalog, tokens, lifecycle, wakeWorker } = deps;
  const now = deps.now ?? Date.now;

  async function find(id: string): Promise<KeyRequest> {
    const request = await storeCall(() => store.get(id));
    if (!request) {
      throw notFound(`No key request with id ${JSON.stringify(id)}`);
    }
    return request;
  }

  /** The request, if `token` is its requester's; otherwise the same 404 as an unknown id, so a
   * wrong token tells nothing. */
  async function own(id: string, token: string | undefined): Promise<KeyRequest> {
    const request = await find(id);
    if (!(await tokens.verify(id, token))) {
      throw notFound(`No key request with id ${JSON.stringify(id)}`);
    }
    return request;
  }

  async function view(request: KeyRequest): Promise<RequesterView> {
    const usage =
      deps.keyUsage !== undefined && request.keyHash !== null ? await deps.keyUsage(request.keyHash) : null;
    return toRequesterView(request, { now: now(), policy: lifecycle, usage });
  }

  /** Applies the requester's `action`, re-planned on the fresh record after a lost race. */
  async function act(action: Action, id: string, token: string | undefined, reason: string | null) {
    let request = await own(id, token);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const patch = planTransition(action, request, {
        actor: ACTORS.requester,
        reason,
        now: now(),
        policy: lifecycle,
      });
      if (!patch.ok) {
        throw patch.error;
      }
      const result = await storeCall(() => store.update(id, request.version, patch.value));
      if (result.ok) {
        wakeWorker();
        return view(result.value);
      }
      request = await find(id);
    }
    throw new AppError('conflict', 'The request is changing right now; try again');
  }

  /** An existing request asked for again: a new cycle when the renewal rules allow it,
   * otherwise a link mail to its page (at most one per hour). Never an error: the answer is
   * the same whatever happens. Only a state a renewal may start from needs the whole request
   * (its expiry, when it was denied); the usual repeat, of a pending, in-review or live
   * request, is decided from its brief. */
  async function again(found: RequestBrief, language: Language | null): Promise<SubmitResult<RequestBrief>> {
    let request: RequestBrief = found;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const at = now();
      let renewal: ReturnType<typeof planTransition> | null = null;
      if (allowsFrom('renew', request.state)) {
        const full = isWhole(request) ? request : await storeCall(() => store.get(request.id));
        if (!full) {
          break;
        }
        request = full;
        // Asked first: most repeats are not renewable, and a refused plan builds an error (and
        // its stack trace) only to be dropped here.
        renewal = allows('renew', full, at, lifecycle)
          ? planTransition('renew', full, {
              actor: ACTORS.requester,
              reason: null,
              now: at,
              policy: lifecycle,
            })
          : null;
      }
      const hour = epochHour(at);
      const outcome = renewal?.ok
        ? 'renewed'
        : request.linkMail === null && request.lastLinkMailHour !== hour
          ? 'link-mail'
          : 'nothing';
      if (outcome === 'nothing') {
        return { created: false, outcome, request };
      }
      const patch = renewal?.ok
        ? { ...renewal.value, ...(language === null ? {} : { language }) }
        : { linkMail: { hour } };
      const { id, version } = request;
      const result = await storeCall(() => store.update(id, version, patch));
      if (result.ok) {
        wakeWorker();
        return { created: false, outcome, request: result.value };
      }
      const fresh = await storeCall(() => store.get(id));
      if (!fresh) {
        break;
      }
      request = fresh;
    }
    return { created: false, outcome: 'nothing', request };
  }

  /** The canonical address (email.ts, under `email.ignore_plus_tags`) the stores keep requests
   * under: one rule for dedup and for the per-address rate limit. */
  function canonicalAddress(raw: string): string {
    return canonicalEmail(raw, deps.email);
  }

  /** A submission from the portal: a new request, or the neutral answer for an existing one,
   * of which only the brief is read (the answer tells nothing about it). */
  async function submitFromPortal(input: SubmitInput): Promise<SubmitResult<RequestBrief>> {
    const typed = normalizeEmail(input.email);
    if (!typed.ok) {
      throw validationError(['body', 'email'], `value is not a valid email address: ${typed.error.message}`);
    }
    const model = input.llm.trim();
    if (!(await catalog.isRequestable(model))) {
      throw validationError(
        ['body', 'llm'],
        `Unknown model ${JSON.stringify(model)}: choose one of the ids listed by GET /api/models`,
      );
    }
    const language = toLanguage(input.language);
    const email = canonicalAddress(typed.value);
    // A repeat is answered from one indexed look-up, without a write; create() still settles
    // a race with a concurrent first submission (it then answers the request that won).
    const existing = await storeCall(() => store.findBriefByEmailAndModel(email, model));
    if (existing) {
      return again(existing, language);
    }
    const decision = deps.decide?.({ email, model }) ?? null;
    const result = await storeCall(() =>
      store.create({
        email,
        model,
        notifyEmail: input.email.trim(),
        language,
        ...(decision === null ? {} : { decision: decision.patch }),
      }),
    );
    if (!result.created) {
      return again(result.request, language);
    }
    if (decision !== null) {
      deps.onDecided?.(decision.outcome);
    }
    // Parked in review with nobody to tell, a request owes the worker nothing.
    if (needsWork(result.request)) {
      wakeWorker();
    }
    const { token, url } = await tokens.tokenAndPageUrl(result.request.id);
    return { created: true, request: result.request, token, url };
  }

  return {
    canonicalAddress,

    submitFromPortal,

    /** The same submission, answering an existing request as it now is (for admins). */
    async submit(input: SubmitInput): Promise<SubmitResult> {
      const result = await submitFromPortal(input);
      if (result.created) {
        return result;
      }
      const { request } = result;
      return { ...result, request: isWhole(request) ? request : await find(request.id) };
    },

    /** Without the requester's token (missing or wrong): only `{request_id, status}`. */
    async status(id: string, token?: string): Promise<RequesterView | ReturnType<typeof toPublicStatus>> {
      const request = await find(id);
      return (await tokens.verify(id, token)) ? view(request) : toPublicStatus(request);
    },

    /** Renew on the request's page: a new cycle when the renewal rules allow it, else a conflict. */
    renew(id: string, token: string | undefined): Promise<RequesterView> {
      return act('renew', id, token, null);
    },

    /** "Revoke my key" (a leaked key): allowed while the request holds a live key. */
    revokeMine(id: string, token: string | undefined): Promise<RequesterView> {
      return act('revoke', id, token, 'Revoked by the requester');
    },
  };
}

export type RequestService = ReturnType<typeof createRequestService>;
