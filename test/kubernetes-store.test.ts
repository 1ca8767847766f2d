import { describeRequestStoreContract } from './store-contract.js';
import { startKubernetesStore } from './support/fake-kubernetes-store.js';

describeRequestStoreContract('kubernetes', async () => {
  const harness = await startKubernetesStore();
  return { store: harness.store, cleanup: harness.cleanup };
});

describeRequestStoreContract('kubernetes with two-item pages', async () => {
  const harness = await startKubernetesStore({ pageSize: 2 });
  return { store: harness.store, cleanup: harness.cleanup };
});
