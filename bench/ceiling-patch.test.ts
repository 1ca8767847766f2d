import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('bench/ceiling.patch', () => {
  it('still applies to src/, so the ceiling experiment of docs/performance.md can be run again', () => {
    const check = () =>
      execFileSync('git', ['apply', '--check', 'bench/ceiling.patch'], { cwd: REPO_ROOT, stdio: 'pipe' });
    expect(check).not.toThrow();
  });

  it('touches only what the experiment names: hooks, headers, the metric and the brief look-up', () => {
    const files = execFileSync('git', ['apply', '--numstat', 'bench/ceiling.patch'], { cwd: REPO_ROOT })
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[2]);
    expect(files.sort()).toEqual([
      'src/http/plugins/cors.ts',
      'src/http/plugins/request-id.ts',
      'src/http/plugins/security-headers.ts',
      'src/http/plugins/shutdown.ts',
      'src/ops/metrics.ts',
      'src/store/sqlite-store.ts',
    ]);
  });
});
