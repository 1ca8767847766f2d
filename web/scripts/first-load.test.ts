import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { budgetReport, firstLoad, references } from './first-load.js';
import { precompress } from './precompress.js';

describe('references', () => {
  it('follows scripts, stylesheets and preloads of the page, not icons or other sites', () => {
    const html = `<link rel="icon" href="data:image/svg+xml,x"><link rel="icon" href="./favicon.svg">
      <script type="module" crossorigin src="./assets/index-a.js"></script>
      <link rel="modulepreload" href="./assets/vendor-b.js"><link rel="stylesheet" href="/assets/index-c.css">
      <script src="https://cdn.example/x.js"></script>`;
    expect(references('index.html', html)).toEqual([
      'assets/index-a.js',
      'assets/vendor-b.js',
      'assets/index-c.css',
    ]);
  });

  it('follows static imports of a module but not dynamic ones', () => {
    const js = `import{a as b}from"./vendor-b.js";import"./side.js";export{c}from"../shared/c.js";const l=()=>import("./lazy.js");`;
    expect(references('assets/index-a.js', js)).toEqual([
      'assets/vendor-b.js',
      'assets/side.js',
      'shared/c.js',
    ]);
  });

  it('follows fonts and images a stylesheet loads, not inline data', () => {
    const css = `@font-face{src:url(./font.woff2)}.a{background:url("data:image/png;base64,x")}@import "./more.css";`;
    expect(references('assets/index-c.css', css)).toEqual(['assets/font.woff2', 'assets/more.css']);
  });
});

describe('firstLoad', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds up the compressed size of the page and everything it pulls in, once each', () => {
    const dist = mkdtempSync(join(tmpdir(), 'lkr-dist-'));
    dirs.push(dist);
    mkdirSync(join(dist, 'assets'));
    writeFileSync(
      join(dist, 'index.html'),
      '<script type="module" src="./assets/a.js"></script><link rel="stylesheet" href="./assets/a.css">',
    );
    writeFileSync(
      join(dist, 'assets', 'a.js'),
      `import"./b.js";import"./b.js";${'const x = 1;'.repeat(500)}`,
    );
    writeFileSync(join(dist, 'assets', 'b.js'), 'export const b = 2; const lazy = () => import("./c.js");');
    writeFileSync(join(dist, 'assets', 'c.js'), 'never loaded at first');
    writeFileSync(join(dist, 'assets', 'a.css'), 'body{color:red}');

    const compressed = precompress(dist);
    expect(compressed.map((file) => file.path.slice(dist.length + 1))).toEqual([
      'assets/a.css',
      'assets/a.js',
      'assets/b.js',
      'assets/c.js',
      'index.html',
    ]);
    const files = firstLoad(dist);
    expect(files.map((file) => file.path)).toEqual([
      'index.html',
      'assets/a.js',
      'assets/a.css',
      'assets/b.js',
    ]);
    const bigScript = files.find((file) => file.path === 'assets/a.js');
    expect(bigScript?.bytes).toBeGreaterThan(6000);
    // Served brotli-compressed: the repetitive script shrinks to a fraction.
    expect(bigScript?.served).toBeLessThan(200);
  });

  it('counts index.html as the service serves it when told how', () => {
    const dist = mkdtempSync(join(tmpdir(), 'lkr-dist-'));
    dirs.push(dist);
    writeFileSync(join(dist, 'index.html'), '<title>t</title>');
    precompress(dist);
    const seen: string[] = [];
    const files = firstLoad(dist, (html) => {
      seen.push(html);
      return { bytes: 1000, served: 400 };
    });
    expect(seen).toEqual(['<title>t</title>']);
    expect(files).toEqual([{ path: 'index.html', bytes: 1000, served: 400 }]);
  });

  it('fails when the page names a file the build did not produce', () => {
    const dist = mkdtempSync(join(tmpdir(), 'lkr-dist-'));
    dirs.push(dist);
    writeFileSync(join(dist, 'index.html'), '<script src="./assets/gone.js"></script>');
    expect(() => firstLoad(dist)).toThrow('assets/gone.js is referenced by the built page but missing');
  });
});

describe('budgetReport', () => {
  const files = [
    { path: 'index.html', bytes: 1300, served: 600 },
    { path: 'assets/a.js', bytes: 300_000, served: 100_000 },
  ];

  it('prints the served total against the budget, file by file', () => {
    const report = budgetReport(files, 200 * 1024);
    expect(report.ok).toBe(true);
    expect(report.total).toBe(100_600);
    expect(report.lines[0]).toBe(
      'First load of / as served (brotli): 98.2 KB of 200.0 KB (1 KB = 1024 bytes)',
    );
    expect(report.lines[2]).toContain('assets/a.js');
  });

  it('fails over the budget and says by how much', () => {
    const report = budgetReport(files, 90 * 1024);
    expect(report.ok).toBe(false);
    expect(report.lines.at(-1)).toBe('Over budget by 8.2 KB: the build fails.');
  });
});
