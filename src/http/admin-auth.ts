import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

export interface AdminCredentials {
  username: string;
  password: string;
}

/** Credentials were sent and are wrong: a failed sign-in, which counts toward the per-IP limit
 * (plugins/rate-limits.ts). Missing credentials are a plain `unauthorized` and count for nothing:
 * a browser asks for them first. */
export class FailedSignIn extends AppError {
  constructor() {
    super('unauthorized', 'Invalid credentials');
  }
}

/** Logs a failed sign-in (who, from where: address and route, never the submitted user name,
 * which may be a password typed into the wrong field) and returns the error to throw. */
export function failedSignIn(request: FastifyRequest): FailedSignIn {
  request.log.warn(
    { ip: request.ip, method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0] },
    'admin sign-in failed: wrong credentials',
  );
  return new FailedSignIn();
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
      throw new AppError('unauthorized', 'Invalid authentication credentials');
    }
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    // Evaluate both comparisons always: no early exit that would time the user name check.
    const userOk = timingSafeEqual(digest(user), expectedUser);
    const passwordOk = timingSafeEqual(digest(password), expectedPassword);
    if (!(userOk && passwordOk)) {
      throw failedSignIn(request);
    }
    return user;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
