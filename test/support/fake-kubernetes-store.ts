import { createKubernetesStore, type KubernetesStoreDeps } from '../../src/store/kubernetes-store.js';
import type { RequestStore } from '../../src/store/request-store.js';
import { type FakeKubernetes, startFakeKubernetes } from './fake-kubernetes.js';
import { testKubeConfig } from './kubeconfig.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps what it is told, so tests can assert on warnings (and on secrets not being logged). */
export function recordingLogger() {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (fields: Record<string, unknown>, message: string) => {
    entries.push({ level, fields, message });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn') };
}

export interface KubernetesStoreHarness {
  fake: FakeKubernetes;
  store: RequestStore;
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
      logger,
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
