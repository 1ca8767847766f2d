import { defineConfig } from 'vitest/config';

/** Browser tests: a real service, the built UI and headless Chromium (Debian `chromium`).
 * Files run one at a time: each test drives its own browser, and the machine has 2 cores. */
export const e2eConfig = defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the default export
export default e2eConfig;
