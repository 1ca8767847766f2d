import { randomUUID } from 'node:crypto';
import type { SecretObject } from './fake-kubernetes-storage.js';

/** Discovery documents: the little kubectl reads before it touches a resource. The fake
 * answers plain JSON, so kubectl falls back from aggregated to legacy discovery. */

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-fake',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export const API_GROUP_LIST = { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const CORE_V1_RESOURCES = {
  kind: 'APIResourceList',
  groupVersion: 'v1',
  resources: [
    { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ALL_VERBS },
    {
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['get', 'list'],
      shortNames: ['ns'],
    },
    {
      name: 'events',
      singularName: 'event',
      namespaced: true,
      kind: 'Event',
      verbs: ['list'],
      shortNames: ['ev'],
    },
  ],
};

export function namespaceObject(name: string) {
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name, uid: randomUUID(), resourceVersion: '1', creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function emptyList(kind: string, resourceVersion: string) {
  return { kind, apiVersion: 'v1', metadata: { resourceVersion }, items: [] };
}

/** True when the client asked for the server-side printed form (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

function age(creationTimestamp: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(creationTimestamp)) / 1000));
  if (seconds < 120) {
    return `${seconds}s`;
  }
  if (seconds < 7200) {
    return `${Math.floor(seconds / 60)}m`;
  }
  if (seconds < 172800) {
    return `${Math.floor(seconds / 3600)}h`;
  }
  return `${Math.floor(seconds / 86400)}d`;
}

/** A meta.k8s.io/v1 Table with the columns the real server prints for Secrets. */
export function secretTable(
  items: SecretObject[],
  list: { resourceVersion: string; continueToken?: string | undefined },
  includeObject: string | null,
) {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      resourceVersion: list.resourceVersion,
      ...(list.continueToken === undefined ? {} : { continue: list.continueToken }),
    },
    columnDefinitions: [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description: 'Name must be unique within a namespace.',
        priority: 0,
      },
      {
        name: 'Type',
        type: 'string',
        format: '',
        description: 'Used to facilitate programmatic handling of secret data.',
        priority: 0,
      },
      { name: 'Data', type: 'string', format: '', description: 'Number of keys in the secret.', priority: 0 },
      { name: 'Age', type: 'string', format: '', description: 'Time since creation.', priority: 0 },
    ],
    rows: items.map((item) => ({
      cells: [
        item.metadata.name,
        item.type,
        String(Object.keys(item.data ?? {}).length),
        age(item.metadata.creationTimestamp, now),
      ],
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? item
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata },
    })),
  };
}
