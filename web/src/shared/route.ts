/** Hash routes: the server serves the page only at `/`, so the location after `#` is the route. */
export type Route =
  | { page: 'request' }
  | { page: 'status'; id: string }
  | { page: 'admin' }
  | { page: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '');
  if (path === '' || path === '/') {
    return { page: 'request' };
  }
  if (path === '/admin') {
    return { page: 'admin' };
  }
  const status = /^\/status\/([^/]+)$/.exec(path);
  if (status?.[1] !== undefined) {
    const id = safeDecode(status[1]);
    if (id !== null && id.trim() !== '') {
      return { page: 'status', id };
    }
  }
  return { page: 'not-found', hash };
}

export function statusHref(id: string): string {
  return `#/status/${encodeURIComponent(id)}`;
}

function safeDecode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}
