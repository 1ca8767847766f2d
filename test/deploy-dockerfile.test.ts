import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// No Docker engine runs where the tests run, so the image is not built here; these checks
// catch the drift that would break a build or a container start: a renamed file, a runtime
// import of a devDependency (the image installs production deps only), a changed entry point.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const execFileAsync = promisify(execFile);
const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/** Instructions with continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

function finalStage(): string[] {
  const lastFrom = instructions.findLastIndex((line) => line.startsWith('FROM '));
  return instructions.slice(lastFrom);
}

describe('deploy/Dockerfile', () => {
  it('copies only files that exist in the build context', () => {
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1))
      .filter((word) => !word.startsWith('--') && word !== '.');
    expect(sources).toContain('deploy/entrypoint.sh');
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
  });

  it('runs on Node 24 LTS bookworm-slim as a numeric non-root user, exposing port 8000', () => {
    expect(instructions).toContain('ARG NODE_IMAGE=node:24-bookworm-slim');
    const runtime = finalStage();
    expect(runtime[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/);
    const user = runtime.find((line) => line.startsWith('USER '));
    expect(user).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    expect(runtime).toContain('EXPOSE 8000');
    expect(runtime.some((line) => /apt-get install .*ca-certificates/.test(line))).toBe(true);
  });

  it('starts the same entry point as npm start, through the entrypoint script', () => {
    const runtime = finalStage();
    const entrypoint = runtime.find((line) => line.startsWith('ENTRYPOINT '));
    expect(entrypoint).toContain('llm-key-requestor-entrypoint');
    const cmd = JSON.parse(runtime.find((line) => line.startsWith('CMD '))?.slice(4) ?? '[]') as string[];
    expect(packageJson.scripts.start).toContain(cmd.join(' '));
    // Given no command, the entrypoint falls back to the same launcher.
    const entrypointScript = readFileSync(join(ROOT, 'deploy/entrypoint.sh'), 'utf8');
    expect(entrypointScript).toContain(`set -- ${cmd.join(' ')}\n`);
  });
});

describe('bin/server.sh, the production launch', () => {
  it('execs node with the V8 heap flags, its arguments as more node options, on dist/server.js', async () => {
    // `-p` evaluates instead of running the entry point, which then is only argv[1]: what node
    // was started with, without needing a build.
    const { stdout } = await execFileAsync(join(ROOT, 'bin/server.sh'), [
      '-p',
      'JSON.stringify({ execArgv: process.execArgv, entry: process.argv[1], arenas: process.env.MALLOC_ARENA_MAX })',
    ]);
    const started = JSON.parse(stdout) as { execArgv: string[]; entry: string; arenas?: string };
    expect(started.execArgv).toEqual([
      expect.stringMatching(/^--max-semi-space-size=\d+$/),
      expect.stringMatching(/^--heap-growing-percent=\d+$/),
      '-p',
      expect.any(String),
    ]);
    expect(resolve(started.entry)).toBe(join(ROOT, 'dist', 'server.js'));
    expect(Number(started.arenas)).toBeGreaterThan(0);
  });
});

describe('runtime imports', () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        return sourceFiles(path);
      }
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
    });
  }

  /** Module specifiers that survive compilation: `import type` / `export type` are erased,
   * everything else (verbatimModuleSyntax) stays. */
  function runtimeSpecifiers(path: string): string[] {
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const found: string[] = [];
    const visit = (node: ts.Node): void => {
      if (
        ts.isImportDeclaration(node) &&
        !node.importClause?.isTypeOnly &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        found.push(node.moduleSpecifier.text);
      } else if (
        ts.isExportDeclaration(node) &&
        !node.isTypeOnly &&
        node.moduleSpecifier &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        found.push(node.moduleSpecifier.text);
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        found.push(node.arguments[0].text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
  }

  function packageName(specifier: string): string {
    const parts = specifier.split('/');
    return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
  }

  it('need only production dependencies, the only ones in the image', () => {
    const builtins = new Set(builtinModules);
    const missing: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      for (const specifier of runtimeSpecifiers(file)) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) {
          continue;
        }
        if (!(packageName(specifier) in packageJson.dependencies)) {
          missing.push(`${relative(ROOT, file)}: ${specifier}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
