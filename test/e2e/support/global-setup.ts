import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH, REPO_ROOT, RESULTS_DIR, WEB_DIST } from './paths.js';

/** Builds the service and the UI once before the browser tests with `npm run build` (the
 * server in dist/, API types generated from the service, the UI bundle, pre-compressed copies),
 * so the tests always see the current sources and the production launch has its build. */
export function setup(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error('the UI build did not produce web/dist/index.html');
  }
}
