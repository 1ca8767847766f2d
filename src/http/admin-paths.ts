import type { FastifyRequest } from 'fastify';

/** The admin API and /mcp: paths that act with an admin's credentials. `/api/admin` has no
 * boundary on purpose: anything that starts like it is treated as admin, never the reverse. */
const ADMIN_PATH = /^\/(api\/admin|mcp(\/|$))/;

/** Whether a request is for an admin path, judged on what the router acts on, not on the raw
 * URL: Fastify's router decodes `%61dmin` before matching, so `/api/%61dmin/requests` runs an
 * admin route. Requests no route of ours claims (CORS preflights go to a catch-all `*` route,
 * 404s to none) are judged on their percent-decoded path. Any reading that says "admin" wins. */
export function isAdminRequest(request: Pick<FastifyRequest, 'url' | 'routeOptions'>): boolean {
  const routed = request.routeOptions.url;
  if (routed !== undefined && ADMIN_PATH.test(routed)) {
    return true;
  }
  const query = request.url.indexOf('?');
  const rawPath = query === -1 ? request.url : request.url.slice(0, query);
  if (ADMIN_PATH.test(rawPath)) {
    return true;
  }
  // Only a percent sign can make the decoded path differ from the raw one.
  return rawPath.includes('%') && ADMIN_PATH.test(decodedPath(rawPath) ?? '');
}

function decodedPath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
