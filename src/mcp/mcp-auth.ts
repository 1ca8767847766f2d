import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { type AdminCredentials, createAdminAuth, failedSignIn } from '../http/admin-auth.js';

/** Who a caller of the static MCP key is, in the decision log, and in the history as
 * `mcp:api-key` (requests/history.ts ACTORS): the key names no person (docs/design.md, "MCP"). */
export const MCP_KEY_USER = 'api-key';

export interface McpAuthOptions {
  /** The admin credentials (HTTP Basic); null when only the MCP key opens /mcp. */
  credentials: AdminCredentials | null;
  /** `mcp.api_key` / MCP_API_KEY, sent as `Authorization: Bearer <key>`; null when unset. */
  apiKey: string | null;
}

/** The answer to a caller without usable credentials when an MCP key is configured: the
 * original service's Bearer 401 (its MCP clients read it), and the Basic challenge too when
 * admin credentials also work. */
export function bearerChallenge(options: McpAuthOptions) {
  const headers: string[] = ['Bearer error="invalid_token", error_description="Authentication required"'];
  if (options.credentials !== null) {
    headers.push('Basic realm="llm-key-requestor admin"');
  }
  return {
    headers,
    body: {
      error: 'invalid_token',
      error_description: 'Authentication required',
      message: `Authentication required: send the MCP key as a Bearer token${options.credentials === null ? '' : ', or the admin credentials'}`,
      success: false as const,
    },
  };
}

/** Checks an MCP caller: a Bearer token equal to the MCP key (compared in constant time), or the
 * admin's HTTP Basic credentials. Returns the caller's name, `api-key` (MCP_KEY_USER) or the admin user name;
 * null when the caller must get the Bearer challenge; throws the admin API's 401 for
 * Basic credentials that fail, and for anything else when no MCP key is set. */
export function createMcpAuth(options: McpAuthOptions) {
  const basic = options.credentials === null ? null : createAdminAuth(options.credentials);
  const key = options.apiKey === null ? null : digest(options.apiKey);

  return function authenticate(request: FastifyRequest): string | null {
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S{1,1024})\s*$/i.exec(header);
    if (key !== null && bearer?.[1] !== undefined) {
      if (timingSafeEqual(digest(bearer[1]), key)) {
        return MCP_KEY_USER;
      }
      // Counts toward the per-IP limit like a wrong admin password (plugins/rate-limits.ts).
      failedSignIn(request, 'bearer');
      return null;
    }
    if (basic !== null && (key === null || /^Basic(\s|$)/i.test(header))) {
      return basic(request);
    }
    return null;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
