import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** A strong ETag naming exactly this content: the start of its SHA-256, base64url. */
export function contentEtag(content: string | Buffer): string {
  return `"${createHash('sha256').update(content).digest('base64url').slice(0, 22)}"`;
}

/** Whether a GET's `If-None-Match` names the current ETag, so a 304 may answer it: the
 * weak comparison of RFC 9110 §13.1.2 (`W/` is ignored), over a list or `*`. */
export function isNotModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) {
    return false;
  }
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === bare);
}

/** Adds header names to the answer's `Vary`, keeping those set before (CORS adds `Origin`). */
export function addVary(reply: FastifyReply, ...fields: string[]): void {
  // Most answers have no Vary yet (CORS runs on every request): nothing to parse or merge.
  if (!reply.hasHeader('vary')) {
    if (fields.length > 0) {
      reply.header('vary', fields.join(', '));
    }
    return;
  }
  const current = reply.getHeader('vary');
  const present = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');
  const lower = new Set(present.map((field) => field.toLowerCase()));
  if (lower.has('*')) {
    return;
  }
  const added = fields.filter((field) => !lower.has(field.toLowerCase()));
  if (added.length > 0) {
    reply.header('vary', [...present, ...added].join(', '));
  }
}
