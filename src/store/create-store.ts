import type { AppConfig } from '../config/app-config.js';
import type { Logger } from '../shared/logger.js';
import type { RequestStore } from './request-store.js';
import { createSqliteStore } from './sqlite-store.js';

/** The store adapter the config names. Shared by the server and the operator CLI, so both
 * always reach the same requests from the same configuration. */
export async function createStore(config: AppConfig, logger: Logger): Promise<RequestStore> {
  if (config.store.kind === 'sqlite') {
    logger.info({ path: config.store.sqlitePath }, 'using the SQLite request store');
    return createSqliteStore({ path: config.store.sqlitePath });
  }
  // Loaded only when used: the Kubernetes client is large and a laptop run does not need it.
  const [{ createKubernetesStore }, { loadKubeConfig }] = await Promise.all([
    import('./kubernetes/kubernetes-store.js'),
    import('./kubernetes/kube-config.js'),
  ]);
  logger.info({ namespace: config.store.namespace }, 'using the Kubernetes Secret request store');
  return createKubernetesStore({
    namespace: config.store.namespace,
    kubeConfig: loadKubeConfig(),
    logger: logger.child({ component: 'store' }),
  });
}
