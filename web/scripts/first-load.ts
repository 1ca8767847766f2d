import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface LoadedFile {
  /** Path inside the built directory, e.g. `assets/index-abc.js`. */
  path: string;
  bytes: number;
  /** Size of the pre-compressed copy a browser gets (`.br`, else `.gz`, else the file). */
  served: number;
}

/** index.html as the service serves it: the built page with what the service adds
 * (src/http/ui-page.ts), raw and compressed. */
export type ServePage = (html: string) => { bytes: number; served: number };

/** What a browser downloads from the built UI to show a page: index.html and, followed
 * from there, every script, stylesheet and module-preload it names, every module those
 * scripts import statically and every file a stylesheet loads. Dynamic `import()` chunks
 * are left out (they load later, if at all); so are data: URLs and other sites.
 * Every page of the UI is this same index.html, so this is the first load of each.
 * `servePage` measures index.html as the service sends it; without it, as built. */
export function firstLoad(distDir: string, servePage?: ServePage): LoadedFile[] {
  const seen = new Set<string>();
  const queue = ['index.html'];
  const files: LoadedFile[] = [];
  while (queue.length > 0) {
    const path = queue.shift() ?? '';
    if (seen.has(path)) {
      continue;
    }
    seen.add(path);
    const full = join(distDir, path);
    if (!existsSync(full)) {
      throw new Error(`${path} is referenced by the built page but missing from ${distDir}`);
    }
    const content = readFileSync(full, 'utf8');
    const asServed =
      path === 'index.html' && servePage !== undefined
        ? servePage(content)
        : { bytes: Buffer.byteLength(content), served: servedSize(full) };
    files.push({ path, ...asServed });
    for (const reference of references(path, content)) {
      queue.push(reference);
    }
  }
  return files;
}

function servedSize(full: string): number {
  for (const copy of [`${full}.br`, `${full}.gz`, full]) {
    if (existsSync(copy)) {
      return readFileSync(copy).length;
    }
  }
  return 0;
}

/** Paths (inside the built directory) that loading `path` pulls in at once. */
export function references(path: string, content: string): string[] {
  let found: string[];
  if (path.endsWith('.html')) {
    // index.html resolves against <base href="/">: every local URL is relative to the root.
    found = [...content.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"[^>]*>/g)]
      .filter((match) => !/\brel="(?:icon|preconnect|dns-prefetch|alternate|canonical)"/.test(match[0]))
      .map((match) => match[1] ?? '');
    return found.filter(isLocal).map((url) => clean(url, ''));
  }
  if (path.endsWith('.js') || path.endsWith('.mjs')) {
    // Static `import … from "./x.js"`, `import "./x.js"` and `export … from "./x.js"`;
    // `import("./x.js")` is not matched: the character after `import` would be `(`.
    found = [
      ...content.matchAll(/\b(?:import|export)\s*(?:[\w$*{},\s]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+)["']/g),
    ].map((match) => match[1] ?? '');
  } else if (path.endsWith('.css')) {
    found = [...content.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["']/g)].map(
      (match) => match[1] ?? match[2] ?? '',
    );
  } else {
    return [];
  }
  return found.filter(isLocal).map((url) => clean(url, dirname(path)));
}

function isLocal(url: string): boolean {
  return url !== '' && !/^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(url);
}

function clean(url: string, from: string): string {
  const withoutQuery = url.replace(/[?#].*$/, '');
  const joined = withoutQuery.startsWith('/') ? withoutQuery.slice(1) : join(from, withoutQuery);
  return relative('.', normalize(joined));
}

export interface BudgetReport {
  total: number;
  ok: boolean;
  lines: string[];
}

/** The first load against the budget, as the build prints it. */
export function budgetReport(files: LoadedFile[], budgetBytes: number): BudgetReport {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const total = files.reduce((sum, file) => sum + file.served, 0);
  const ok = total <= budgetBytes;
  const lines = [
    `First load of / as served (brotli): ${kb(total)} of ${kb(budgetBytes)} (1 KB = 1024 bytes)`,
    ...files.map(
      (file) =>
        `  ${file.path.padEnd(40)} ${kb(file.bytes).padStart(10)} raw ${kb(file.served).padStart(10)} served`,
    ),
    '  /admin, /admin/requests/<id> and /requests/<id> are the same page: the same first load.',
    '  index.html is counted as the service sends it (with its default portal settings; terms of use add theirs).',
    '  Not counted: API answers and model icons (/icons/…), which the page asks for once it runs.',
  ];
  if (!ok) {
    lines.push(`Over budget by ${kb(total - budgetBytes)}: the build fails.`);
  }
  return { total, ok, lines };
}
