import { defineConfig } from 'vitest/config';

export const vitestConfig = defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'test/**/*.test.ts',
      'web/src/**/*.test.ts',
      'web/scripts/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // The fault suite runs on its own (npm run test:faults); its reconciliation unit test runs here too.
    exclude: ['test/e2e/**', 'test/faults/fault-suite.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the default export
export default vitestConfig;
