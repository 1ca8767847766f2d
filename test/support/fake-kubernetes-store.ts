import {
  createKubernetesStore,
  type KubernetesStoreDeps,
} from '../../src/store/kubernetes/kubernetes-store.js';
import type { RequestStore } from '../../src/store/request-store.js';
import { type FakeKubernetes, startFakeKubernetes } from './fake-kubernetes.js';
import { testKubeConfig } from './kubeconfig.js';
import { recordingLogger } from './recording-logger.js';

export interface KubernetesStoreHarness {
  fake: FakeKubernetes;
  store: RequestStore;
  /** What every replica of this harness logged. */
  logger: ReturnType<typeof recordingLogger>;
  namespace: string;
  /** Another store (another "replica") on the same fake. */
  replica(overrides?: Partial<KubernetesStoreDeps>): RequestStore;
  cleanup(): Promise<void>;
}

/** A fake API server and a Kubernetes store talking to it through the real client library. */
export async function startKubernetesStore(
  overrides: Partial<KubernetesStoreDeps> = {},
): Promise<KubernetesStoreHarness> {
  const fake = await startFakeKubernetes();
  const namespace = overrides.namespace ?? 'llm-keys';
  const logger = recordingLogger();
  const stores: RequestStore[] = [];
  const replica = (more: Partial<KubernetesStoreDeps> = {}) => {
    const store = createKubernetesStore({
      namespace,
      kubeConfig: testKubeConfig({ server: fake.url, namespace }),
      logger: logger.logger,
      requestTimeoutMs: 5_000,
      ...overrides,
      ...more,
    });
    stores.push(store);
    return store;
  };
  const store = replica();
  return {
    fake,
    store,
    logger,
    namespace,
    replica,
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
      await fake.close();
    },
  };
}
