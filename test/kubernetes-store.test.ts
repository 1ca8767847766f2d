import { describeRequestStoreContract } from './store-contract.js';
import { startKubernetesStore } from './support/fake-kubernetes-store.js';

describeRequestStoreContract('kubernetes', async (now) => {
  const harness = await startKubernetesStore({ now });
  return { store: harness.store, cleanup: harness.cleanup };
});

describeRequestStoreContract('kubernetes with two-item pages', async (now) => {
  const harness = await startKubernetesStore({ pageSize: 2, now });
  return { store: harness.store, cleanup: harness.cleanup };
});
