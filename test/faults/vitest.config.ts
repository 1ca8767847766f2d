import { defineConfig } from 'vitest/config';

/** The fault suite (`npm run test:faults`): minutes of injected failures and killed replicas,
 * run on its own, not by `npm test`. FAULTS_SECONDS sets the length of the fault phase; the
 * timeout leaves room for start-up and settling after it. */
const faultSeconds = Number(process.env.FAULTS_SECONDS ?? 60);

export const faultsConfig = defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: (faultSeconds + 360) * 1000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the default export
export default faultsConfig;
