import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH, REPO_ROOT, RESULTS_DIR, WEB_DIST } from './paths.js';

/** Builds the UI once before the browser tests, exactly as `npm run build:web` does,
 * so the tests always see the current sources. */
export function setup(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error('the UI build did not produce web/dist/index.html');
  }
}
