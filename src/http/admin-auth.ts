import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

export interface AdminCredentials {
  username: string;
  password: string;
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
      request.log.warn({ admin_user: user.slice(0, 64) }, 'admin authentication failed');
      throw new AppError('unauthorized', 'Invalid credentials');
    }
    return user;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
