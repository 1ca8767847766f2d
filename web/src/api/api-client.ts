import { type ApiFailure, networkFailure, toApiFailure } from './api-failure.js';
import type {
  ActionReply,
  AdminAction,
  AdminFilter,
  AdminList,
  AdminPage,
  AdminRequest,
  AdminStats,
  ListSort,
  ModelList,
  RequesterView,
  RequestStatus,
  SubmitReply,
  VerifyReply,
} from './api-types.js';
import { nextCursor } from './link-header.js';

export type ApiResult<T> = { ok: true; data: T; headers: Headers } | { ok: false; failure: ApiFailure };

export interface AdminCredentials {
  username: string;
  password: string;
}

/** URLs are relative to the page's `<base href>` (the service's root), so `api/...` works
 * on every page and behind a path-prefixing proxy. */
async function call<T>(
  path: string,
  init: { method?: string; body?: unknown; auth?: AdminCredentials; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  // The UI's language (kept on <html lang>), so the server can answer and mail in it.
  const headers: Record<string, string> = {
    accept: 'application/json',
    'accept-language': document.documentElement.lang || 'en',
  };
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  if (init.auth !== undefined) {
    headers.authorization = basicAuth(init.auth);
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      signal: init.signal ?? null,
      cache: 'no-store',
      // No cookies are used. And without credentials mode the browser never answers a 401
      // carrying `WWW-Authenticate: Basic` with its own login prompt: the page shows the error.
      credentials: 'omit',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw error;
    }
    return { ok: false, failure: networkFailure() };
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw error;
    }
    body = null;
  }
  if (!response.ok) {
    return { ok: false, failure: toApiFailure(response.status, body) };
  }
  return { ok: true, data: body as T, headers: response.headers };
}

/** HTTP Basic with UTF-8 credentials (btoa alone only takes Latin-1). */
export function basicAuth({ username, password }: AdminCredentials): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return `Basic ${btoa(binary)}`;
}

export const api = {
  models: (signal?: AbortSignal) => call<ModelList>('api/models', { ...(signal ? { signal } : {}) }),
  featuredModels: (signal?: AbortSignal) =>
    call<ModelList>('api/featured-models', { ...(signal ? { signal } : {}) }),
  /** `language` is the page's: the service mails the requester in it. */
  requestKey: (email: string, llm: string, language: string) =>
    call<SubmitReply>('api/request-key', { method: 'POST', body: { email, llm, language } }),
  /** The requester's token (from the link in their mail) unlocks the full view; without it the
   * API answers the public one. */
  status: (id: string, token: string | null, signal?: AbortSignal) =>
    call<RequestStatus>(
      `api/requests/${encodeURIComponent(id)}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`,
      { ...(signal ? { signal } : {}) },
    ),
  /** The requester's own actions: Renew and "Revoke my key"; both need the token. */
  requesterAction: (action: 'renew' | 'revoke', id: string, token: string) =>
    call<RequesterView>(
      `api/requests/${encodeURIComponent(id)}/${action}?token=${encodeURIComponent(token)}`,
      { method: 'POST', body: {} },
    ),

  verify: (auth: AdminCredentials) => call<VerifyReply>('api/admin/verify', { method: 'POST', auth }),
  /** One page of the admin list: the API answers a bare array and names the next page in a
   * `Link` header, read here into `next_cursor`. */
  adminList: async (
    auth: AdminCredentials,
    query: { filter: AdminFilter; limit: number; cursor?: string | null; q?: string; sort?: ListSort },
    signal?: AbortSignal,
  ) => {
    const params = new URLSearchParams({ filter: query.filter, limit: String(query.limit) });
    if (query.q) {
      params.set('q', query.q);
    }
    if (query.sort) {
      params.set('sort', query.sort);
    }
    if (query.cursor) {
      params.set('cursor', query.cursor);
    }
    const result = await call<AdminList>(`api/admin/requests?${params}`, {
      auth,
      ...(signal ? { signal } : {}),
    });
    if (!result.ok) {
      return result;
    }
    const page: AdminPage = { requests: result.data, next_cursor: nextCursor(result.headers.get('link')) };
    return { ...result, data: page };
  },
  adminGet: (auth: AdminCredentials, id: string, signal?: AbortSignal) =>
    call<AdminRequest>(`api/admin/requests/${encodeURIComponent(id)}`, {
      auth,
      ...(signal ? { signal } : {}),
    }),
  adminStats: (auth: AdminCredentials, signal?: AbortSignal) =>
    call<AdminStats>('api/admin/stats', { auth, ...(signal ? { signal } : {}) }),
  /** `reason` is left out when empty (approve takes an optional one, resend none). */
  adminAction: (auth: AdminCredentials, action: AdminAction, id: string, reason: string) =>
    call<ActionReply>(`api/admin/requests/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      auth,
      body: reason.trim() === '' ? {} : { reason: reason.trim() },
    }),
};
