import type { FastifyRequest } from 'fastify';

/** The admin API and /mcp: paths that act with an admin's credentials. `/api/admin` has no
 * boundary on purpose: anything that starts like it is treated as admin, never the reverse. */
const ADMIN_PATH = /^\/(api\/admin|mcp(\/|$))/;

/** Whether a request is for an admin path, judged on what the router acts on, not on the raw
 * URL: Fastify's router decodes `%61dmin` before matching, so `/api/%61dmin/requests` runs an
 * admin route. Requests no route of ours claims (CORS preflights go to a catch-all `*` route,
 * 404s to none) are judged on their percent-decoded path. Any reading that says "admin" wins. */
export function isAdminRequest(request: Pick<FastifyRequest, 'url' | 'routeOptions'>): boolean {
  const rawPath = request.url.split('?')[0] ?? '';
  const routed = request.routeOptions.url;
  return [routed, rawPath, decodedPath(rawPath)].some((path) => path !== undefined && ADMIN_PATH.test(path));
}

function decodedPath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
