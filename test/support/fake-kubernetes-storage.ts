import { randomUUID } from 'node:crypto';
import { matchesLabels, type Requirement } from './fake-kubernetes-selector.js';
import { statusErrors } from './fake-kubernetes-status.js';
import { nameOfSecret, normaliseSecret, tidySecret } from './fake-kubernetes-validation.js';

/** A Secret as stored and served: plain JSON, `data` values base64 as on the wire. */
export interface SecretObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  type: string;
  data?: Record<string, string>;
  immutable?: boolean;
  [field: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoredEvent {
  type: WatchEventType;
  object: SecretObject;
  /** The object before a MODIFIED event: a watch with a selector needs both (an object that
   * stops matching is DELETED for it, one that starts matching ADDED). */
  previous?: SecretObject;
  /** The revision this event produced. */
  revision: number;
}

export interface ListQuery {
  namespace: string | null;
  labels: Requirement[];
  fields: { key: string; equal: boolean; value: string }[];
  limit: number | undefined;
  continueToken: string | undefined;
}

export interface ListResult {
  items: SecretObject[];
  resourceVersion: string;
  continueToken: string | undefined;
}

const RESOURCE = 'secrets';
const HISTORY = 1000;

function clone<T>(value: T): T {
  return structuredClone(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** In-memory Secrets with the API server's rules: one global revision counter (like etcd),
 * optimistic concurrency on `metadata.resourceVersion`, validation with 422 Invalid, and
 * no-op writes that keep the resourceVersion. Lists are ordered by namespace/name (etcd key
 * order); a continue token resumes after the last key returned (no snapshot isolation). */
export function createSecretStorage() {
  const objects = new Map<string, SecretObject>();
  const history: StoredEvent[] = [];
  const listeners = new Set<(event: StoredEvent) => void>();
  let revision = 1000;
  /** Events up to this revision are gone from the history (etcd compaction). */
  let compacted = revision;

  const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

  function record(type: WatchEventType, object: SecretObject, previous?: SecretObject): void {
    const event: StoredEvent = {
      type,
      object: clone(object),
      ...(previous === undefined ? {} : { previous: clone(previous) }),
      revision,
    };
    history.push(event);
    if (history.length > HISTORY) {
      compacted = history.shift()?.revision ?? compacted;
    }
    for (const listener of listeners) {
      listener(event);
    }
  }

  return {
    create(namespace: string, body: unknown): SecretObject {
      const name = nameOfSecret(body);
      const key = keyOf(namespace, name);
      const object = tidySecret(normaliseSecret(namespace, name, body));
      if (objects.has(key)) {
        throw statusErrors.alreadyExists(RESOURCE, name);
      }
      revision++;
      object.metadata.uid = randomUUID();
      object.metadata.resourceVersion = String(revision);
      object.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      delete object.metadata.generateName;
      objects.set(key, object);
      record('ADDED', object);
      return clone(object);
    },

    get(namespace: string, name: string): SecretObject {
      const object = objects.get(keyOf(namespace, name));
      if (!object) {
        throw statusErrors.notFound(RESOURCE, name);
      }
      return clone(object);
    },

    /** PUT, and the write half of PATCH: `body` is the complete new object. A
     * resourceVersion in it must equal the stored one (409 Conflict); none means unconditional. */
    replace(namespace: string, name: string, body: unknown): SecretObject {
      const current = objects.get(keyOf(namespace, name));
      if (!current) {
        throw statusErrors.notFound(RESOURCE, name);
      }
      if (
        isRecord(body) &&
        isRecord(body.metadata) &&
        body.metadata.name !== undefined &&
        body.metadata.name !== name
      ) {
        throw statusErrors.badRequest(
          `the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`,
        );
      }
      const sentVersion =
        isRecord(body) && isRecord(body.metadata) ? body.metadata.resourceVersion : undefined;
      if (
        sentVersion !== undefined &&
        sentVersion !== '' &&
        sentVersion !== current.metadata.resourceVersion
      ) {
        throw statusErrors.conflict(RESOURCE, name);
      }
      const next = tidySecret(normaliseSecret(namespace, name, body));
      if (next.type !== current.type) {
        throw statusErrors.invalid('Secret', name, [
          { field: 'type', message: 'Invalid value: field is immutable' },
        ]);
      }
      if (
        current.immutable === true &&
        JSON.stringify(next.data ?? {}) !== JSON.stringify(current.data ?? {})
      ) {
        throw statusErrors.invalid('Secret', name, [
          { field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' },
        ]);
      }
      next.metadata.uid = current.metadata.uid;
      next.metadata.creationTimestamp = current.metadata.creationTimestamp;
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      // An update that changes nothing is not written and keeps its resourceVersion, as on a real cluster.
      if (JSON.stringify(canonical(next)) === JSON.stringify(canonical(current))) {
        return clone(current);
      }
      revision++;
      next.metadata.resourceVersion = String(revision);
      objects.set(keyOf(namespace, name), next);
      record('MODIFIED', next, current);
      return clone(next);
    },

    remove(
      namespace: string,
      name: string,
      precondition?: { resourceVersion?: string; uid?: string },
    ): SecretObject {
      const key = keyOf(namespace, name);
      const current = objects.get(key);
      if (!current) {
        throw statusErrors.notFound(RESOURCE, name);
      }
      if (
        (precondition?.resourceVersion &&
          precondition.resourceVersion !== current.metadata.resourceVersion) ||
        (precondition?.uid && precondition.uid !== current.metadata.uid)
      ) {
        throw statusErrors.conflict(RESOURCE, name);
      }
      objects.delete(key);
      revision++;
      record('DELETED', { ...current, metadata: { ...current.metadata, resourceVersion: String(revision) } });
      return clone(current);
    },

    list(query: ListQuery): ListResult {
      const after = query.continueToken === undefined ? undefined : decodeContinue(query.continueToken);
      const keys = [...objects.keys()].sort();
      const items: SecretObject[] = [];
      let lastKey: string | undefined;
      let more = false;
      for (const key of keys) {
        if (after !== undefined && key <= after) {
          continue;
        }
        const object = objects.get(key);
        if (!object || !matches(object, query)) {
          continue;
        }
        if (query.limit !== undefined && items.length >= query.limit) {
          more = true;
          break;
        }
        items.push(clone(object));
        lastKey = key;
      }
      return {
        items,
        resourceVersion: String(revision),
        continueToken: more && lastKey !== undefined ? encodeContinue(lastKey) : undefined,
      };
    },

    /** Events after `fromRevision`, or null when they are no longer in the history (410 Gone). */
    eventsSince(fromRevision: number): StoredEvent[] | null {
      if (fromRevision < compacted) {
        return null;
      }
      return history.filter((event) => event.revision > fromRevision).map(clone);
    },

    /** Forgets the history up to now, as etcd compaction does: a watch from an older revision
     * gets 410 Gone and must list again. */
    compact(): void {
      history.length = 0;
      compacted = revision;
    },

    subscribe(listener: (event: StoredEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    currentRevision(): number {
      return revision;
    },

    matches,
  };
}

export type SecretStorage = ReturnType<typeof createSecretStorage>;

function matches(object: SecretObject, query: Pick<ListQuery, 'namespace' | 'labels' | 'fields'>): boolean {
  if (query.namespace !== null && object.metadata.namespace !== query.namespace) {
    return false;
  }
  if (!matchesLabels(query.labels, object.metadata.labels)) {
    return false;
  }
  return query.fields.every((field) => {
    const actual = fieldValue(object, field.key);
    return field.equal ? actual === field.value : actual !== field.value;
  });
}

/** The field selectors the API server supports for Secrets. */
export const SECRET_FIELD_LABELS = ['metadata.name', 'metadata.namespace', 'type'] as const;

function fieldValue(object: SecretObject, key: string): string {
  switch (key) {
    case 'metadata.name':
      return object.metadata.name;
    case 'metadata.namespace':
      return object.metadata.namespace;
    default:
      return object.type;
  }
}

function canonical(object: SecretObject): unknown {
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      return value.map(sort);
    }
    if (isRecord(value)) {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, sort(value[k])]),
      );
    }
    return value;
  };
  return sort(object);
}

function encodeContinue(lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, start: lastKey }), 'utf8').toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(parsed) && parsed.v === 1 && typeof parsed.start === 'string') {
      return parsed.start;
    }
  } catch {
    // fall through to the 400 below
  }
  throw statusErrors.badRequest(`continue key is not valid: ${token.slice(0, 40)}`);
}
