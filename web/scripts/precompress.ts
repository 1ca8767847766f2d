import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Text files worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.svg',
  '.json',
  '.txt',
  '.map',
  '.webmanifest',
]);

export interface Compressed {
  path: string;
  bytes: number;
  brotli: number;
  gzip: number;
}

/** Writes `<file>.br` and `<file>.gz` next to every compressible file under `dir`, at the
 * highest levels (done once at build, so the server only picks the file the browser accepts). */
export function precompress(dir: string): Compressed[] {
  const done: Compressed[] = [];
  for (const path of filesUnder(dir)) {
    if (!COMPRESSIBLE.has(extname(path))) {
      continue;
    }
    const content = readFileSync(path);
    const brotli = brotliCompressSync(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    });
    const gzip = gzipSync(content, { level: 9 });
    writeFileSync(`${path}.br`, brotli);
    writeFileSync(`${path}.gz`, gzip);
    done.push({ path, bytes: content.length, brotli: brotli.length, gzip: gzip.length });
  }
  return done;
}

/** Every regular file under `dir`, except the compressed copies this module writes. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...filesUnder(path));
    } else if (!name.endsWith('.br') && !name.endsWith('.gz')) {
      out.push(path);
    }
  }
  return out.sort();
}
