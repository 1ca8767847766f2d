import { statusErrors } from './fake-kubernetes-status.js';

export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) {
    return structuredClone(patch);
  }
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  return result;
}

/** Strategic merge patch, as far as a Secret needs it: maps merge like a merge patch, and the
 * directives kubectl may send are honoured (`$patch: replace|delete` on a map, `$retainKeys`)
 * or ignored where they only order list elements (`$setElementOrder/...`). Secret fields hold
 * no lists that merge by key, so lists are replaced whole. */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) {
    return structuredClone(patch);
  }
  const directive = patch.$patch;
  if (directive === 'delete') {
    return undefined;
  }
  const { $patch: _directive, $retainKeys: retainKeys, ...fields } = patch;
  let result: Record<string, unknown> = directive === 'replace' || !isRecord(target) ? {} : { ...target };
  if (Array.isArray(retainKeys)) {
    const keep = new Set(retainKeys.map(String));
    result = Object.fromEntries(Object.entries(result).filter(([key]) => keep.has(key)));
  }
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith('$setElementOrder/') || key.startsWith('$deleteFromPrimitiveList/')) {
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = applyStrategicMergePatch(result[key], value);
    if (merged === undefined) {
      delete result[key];
    } else {
      result[key] = merged;
    }
  }
  return result;
}

type Operation = { op: string; path: string; value?: unknown; from?: string };

function parsePointer(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  if (!pointer.startsWith('/')) {
    throw statusErrors.badRequest(`json patch: invalid path ${JSON.stringify(pointer)}`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function resolveParent(
  doc: unknown,
  path: string[],
): { parent: Record<string, unknown> | unknown[]; key: string } {
  let node: unknown = doc;
  for (const part of path.slice(0, -1)) {
    if (Array.isArray(node)) {
      node = node[Number(part)];
    } else if (isRecord(node)) {
      node = node[part];
    } else {
      node = undefined;
    }
    if (node === undefined) {
      throw statusErrors.invalid('Secret', '', [
        { field: path.join('.'), message: 'json patch: path does not exist' },
      ]);
    }
  }
  const key = path.at(-1);
  if (key === undefined || (!Array.isArray(node) && !isRecord(node))) {
    throw statusErrors.invalid('Secret', '', [
      { field: path.join('.'), message: 'json patch: path does not exist' },
    ]);
  }
  return { parent: node, key };
}

function read(doc: unknown, pointer: string): unknown {
  const { parent, key } = resolveParent(doc, parsePointer(pointer));
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === undefined) {
    throw statusErrors.invalid('Secret', '', [
      { field: pointer, message: 'json patch: path does not exist' },
    ]);
  }
  return value;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw statusErrors.badRequest('json patch must be an array of operations');
  }
  const doc = structuredClone(target);
  for (const raw of operations as Operation[]) {
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw statusErrors.badRequest('json patch operation needs "op" and "path"');
    }
    const write = (pointer: string, value: unknown, insert: boolean) => {
      const { parent, key } = resolveParent(doc, parsePointer(pointer));
      if (Array.isArray(parent)) {
        const index = key === '-' ? parent.length : Number(key);
        parent.splice(index, insert ? 0 : 1, structuredClone(value));
      } else {
        parent[key] = structuredClone(value);
      }
    };
    const remove = (pointer: string) => {
      read(doc, pointer);
      const { parent, key } = resolveParent(doc, parsePointer(pointer));
      if (Array.isArray(parent)) {
        parent.splice(Number(key), 1);
      } else {
        delete parent[key];
      }
    };
    switch (raw.op) {
      case 'add':
        write(raw.path, raw.value, true);
        break;
      case 'replace':
        read(doc, raw.path);
        write(raw.path, raw.value, false);
        break;
      case 'remove':
        remove(raw.path);
        break;
      case 'move': {
        const value = read(doc, String(raw.from));
        remove(String(raw.from));
        write(raw.path, value, true);
        break;
      }
      case 'copy':
        write(raw.path, read(doc, String(raw.from)), true);
        break;
      case 'test':
        if (JSON.stringify(read(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw statusErrors.invalid('Secret', '', [{ field: raw.path, message: 'json patch: test failed' }]);
        }
        break;
      default:
        throw statusErrors.badRequest(`json patch: unknown op ${JSON.stringify(raw.op)}`);
    }
  }
  return doc;
}

export function isPatchType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (Object.values(PATCH_TYPES) as string[]).includes(type);
}

/** Applies a patch body of the given content type to the current object. */
export function applyPatch(contentType: string, current: unknown, patch: unknown): unknown {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  switch (type) {
    case PATCH_TYPES.merge:
      return applyMergePatch(current, patch);
    case PATCH_TYPES.strategic:
      return applyStrategicMergePatch(current, patch);
    case PATCH_TYPES.json:
      return applyJsonPatch(current, patch);
    default:
      throw statusErrors.unsupportedMediaType(type);
  }
}
