/** The UI's pages as real paths under the app's base (`<base href>` in index.html, `/`
 * unless a proxy mounts the service under a prefix). Paths here are relative to that
 * base, without a leading slash: `''`, `admin`, `admin/requests/<id>`, `requests/<id>`. */
export type Route =
  | { page: 'request' }
  | { page: 'status'; id: string; token: string | null }
  | { page: 'admin' }
  | { page: 'admin-request'; id: string }
  | { page: 'not-found'; path: string };

/** `path` is relative to the base (see relativePath); `search` is `location.search`. */
export function parseRoute(path: string, search = ''): Route {
  const clean = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '') {
    return { page: 'request' };
  }
  if (clean === 'admin') {
    return { page: 'admin' };
  }
  const status = idAfter(clean, 'requests/');
  if (status !== null) {
    const token = new URLSearchParams(search).get('token');
    return { page: 'status', id: status, token: token === '' ? null : token };
  }
  const adminRequest = idAfter(clean, 'admin/requests/');
  if (adminRequest !== null) {
    return { page: 'admin-request', id: adminRequest };
  }
  return { page: 'not-found', path };
}

/** A link to a page, relative to the base: resolved by the browser against `<base href>`. */
export function hrefFor(route: Exclude<Route, { page: 'not-found' }>): string {
  switch (route.page) {
    case 'request':
      return './';
    case 'admin':
      return 'admin';
    case 'status':
      return `requests/${encodeURIComponent(route.id)}${route.token === null ? '' : `?token=${encodeURIComponent(route.token)}`}`;
    case 'admin-request':
      return `admin/requests/${encodeURIComponent(route.id)}`;
  }
}

/** The requester's page of a request; with its token (from the creating answer) the page
 * shows the details and offers renew and revoke. */
export function statusHref(id: string, token: string | null = null): string {
  return hrefFor({ page: 'status', id, token });
}

/** The path of `pathname` below `basePath` (which ends with `/`), or null when it is outside. */
export function relativePath(pathname: string, basePath: string): string | null {
  if (pathname === basePath.replace(/\/$/, '')) {
    return '';
  }
  return pathname.startsWith(basePath) ? pathname.slice(basePath.length) : null;
}

/** Links of the earlier hash-routed UI (`#/`, `#/admin`, `#/status/<id>`) as the path they
 * now live at; null for any other hash (an in-page anchor stays as it is). */
export function legacyHashPath(hash: string): string | null {
  if (!hash.startsWith('#/') && hash !== '#') {
    return null;
  }
  const path = hash.slice(1).replace(/^\/+/, '').replace(/\/+$/, '');
  if (path === '' || path === 'admin') {
    return path;
  }
  const status = /^status\/([^/]+)$/.exec(path);
  if (status?.[1] !== undefined) {
    return `requests/${status[1]}`;
  }
  return path;
}

/** `<prefix><id>` with exactly one non-empty, decodable id segment; null otherwise. */
function idAfter(path: string, prefix: string): string | null {
  if (!path.startsWith(prefix)) {
    return null;
  }
  const part = path.slice(prefix.length);
  if (part === '' || part.includes('/')) {
    return null;
  }
  try {
    const id = decodeURIComponent(part);
    return id.trim() === '' ? null : id;
  } catch {
    return null;
  }
}
