import type { FastifyReply, FastifyRequest } from 'fastify';
import { contentEtag, isNotModified } from './http-caching.js';

/** A JSON answer as it goes out: its bytes and their ETag. */
export interface JsonSnapshot {
  body: Buffer;
  etag: string;
}

/** For answers that change rarely (the model lists): the snapshot of the last value, made again
 * only when a different value comes (compared by identity, so the source must hand out the same
 * object until it changes, as the model catalog does). `serialize` is the route's own response
 * serializer (`reply.serializeInput`), so the bytes are those the route sent before; serialising
 * 1–2 KB of models on every request cost more than the rest of the request. */
export function jsonSnapshots<T>(): (value: T, serialize: (value: T) => string) => JsonSnapshot {
  let last: { value: T; snapshot: JsonSnapshot } | null = null;
  return (value, serialize) => {
    if (last === null || last.value !== value) {
      const body = Buffer.from(serialize(value), 'utf8');
      last = { value, snapshot: { body, etag: contentEtag(body) } };
    }
    return last.snapshot;
  };
}

/** Sends a snapshot as the 200 (its bytes as they are, no serialisation), or a 304 when the
 * client holds it already. */
export function sendJsonSnapshot(
  request: FastifyRequest,
  reply: FastifyReply,
  snapshot: JsonSnapshot,
): FastifyReply {
  reply.header('etag', snapshot.etag);
  if (isNotModified(request.headers['if-none-match'], snapshot.etag)) {
    return reply.status(304).send();
  }
  return reply.type('application/json; charset=utf-8').send(snapshot.body);
}
