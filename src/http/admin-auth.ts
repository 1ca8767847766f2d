import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

export interface AdminCredentials {
  username: string;
  password: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `failedSignIn`: this request sent admin credentials or an MCP key, and they were
     * wrong. The per-IP limit on failed sign-ins counts it (plugins/rate-limits.ts). */
    signInFailed?: boolean;
  }
}

/** Credentials were sent and are wrong (Basic ones that do not match or do not decode, a wrong
 * MCP Bearer key): logs it (from where: address and route, never the submitted user name,
 * which may be a password typed into the wrong field) and marks the request, so it counts
 * toward the per-IP limit whatever 401 the route answers. Missing credentials are no failed
 * sign-in and count for nothing: a browser asks for them first. */
export function failedSignIn(request: FastifyRequest, scheme: 'basic' | 'bearer'): void {
  request.log.warn(
    {
      ip: request.ip,
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0],
      scheme,
    },
    'admin sign-in failed: wrong credentials',
  );
  request.signInFailed = true;
}

/** Checks HTTP Basic credentials in constant time (both fields are hashed first, so their
 * lengths leak nothing either). Returns the user name; throws 401 otherwise, with the original
 * service's three texts: no Basic credentials, malformed ones, wrong ones. */
export function createAdminAuth(credentials: AdminCredentials) {
  const expectedUser = digest(credentials.username);
  const expectedPassword = digest(credentials.password);

  return function authenticate(request: FastifyRequest): string {
    const header = request.headers.authorization ?? '';
    if (!/^Basic(\s|$)/i.test(header)) {
      throw new AppError('unauthorized', 'Not authenticated');
    }
    const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header);
    const decoded = match?.[1] === undefined ? '' : Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) {
      failedSignIn(request, 'basic');
      throw new AppError('unauthorized', 'Invalid authentication credentials');
    }
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // Evaluate both comparisons always: no early exit that would time the user name check.
    const userOk = timingSafeEqual(digest(user), expectedUser);
    const passwordOk = timingSafeEqual(digest(password), expectedPassword);
    if (!(userOk && passwordOk)) {
      failedSignIn(request, 'basic');
      throw new AppError('unauthorized', 'Invalid credentials');
    }
    return user;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
