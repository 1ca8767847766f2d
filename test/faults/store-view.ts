import type { V1Secret } from '@kubernetes/client-node';
import type { KeyRequest } from '../../src/requests/request-types.js';
import {
  decodeSecret,
  emailHash,
  REQUEST_SELECTOR,
  SECRET_NAME_PREFIX,
} from '../../src/store/kubernetes/secret-codec.js';
import type { FakeKubernetes, SecretObject } from '../support/fake-kubernetes.js';
import { parseLabelSelector } from '../support/fake-kubernetes-selector.js';

/** The requests as the fake API server stores them right now, read straight from its storage
 * (no HTTP, so no injected fault and no write can land in between) and decoded with the
 * service's own codec. */
export interface StoreView {
  all(): KeyRequest[];
  get(id: string): KeyRequest | null;
  /** The ids of the requests held for this (canonical) address. */
  idsFor(email: string): string[];
  /** The worker holding the request's lease right now, as its annotation says. */
  leaseOwner(id: string): string | null;
}

export function storeView(kube: FakeKubernetes, namespace: string): StoreView {
  function list(selector: string): KeyRequest[] {
    const { items } = kube.storage.list({
      namespace,
      labels: parseLabelSelector(selector),
      fields: [],
      limit: undefined,
      continueToken: undefined,
    });
    return items.flatMap((secret) => {
      const decoded = decodeSecret(asV1Secret(secret));
      return decoded.ok ? [decoded.value.request] : [];
    });
  }
  return {
    all: () => list(REQUEST_SELECTOR),
    get(id) {
      let secret: SecretObject;
      try {
        secret = kube.storage.get(namespace, `${SECRET_NAME_PREFIX}${id}`);
      } catch {
        return null;
      }
      const decoded = decodeSecret(asV1Secret(secret));
      return decoded.ok ? decoded.value.request : null;
    },
    idsFor: (email) =>
      list(`${REQUEST_SELECTOR},llm-key-requestor/email-hash=${emailHash(email)}`).map((r) => r.id),
    leaseOwner(id) {
      return this.get(id)?.work.owner ?? null;
    },
  };
}

/** What the codec reads of a stored Secret, in client-node's type (which types timestamps as Dates). */
function asV1Secret(secret: SecretObject): V1Secret {
  const { name, namespace, resourceVersion, labels, annotations } = secret.metadata;
  return {
    type: secret.type,
    data: secret.data,
    metadata: { name, namespace, resourceVersion, labels, annotations },
  };
}
