import { request } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { references } from '../../web/scripts/first-load.js';
import { type Harness, startHarness } from '../support/service-harness.js';
import { E2E_CONFIG } from './support/e2e-config.js';

const BUDGET_BYTES = 200 * 1024;

interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes on the wire, still compressed (fetch() would decompress them). */
  bytes: Buffer;
}

function get(url: string, headers: Record<string, string>): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          bytes: Buffer.concat(chunks),
        }),
      );
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Server-level, no browser: what a browser pulls from a running service for its first
 * load of a page, as served. */
describe('the first load of the UI, as the service serves it', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each(['/', '/admin', '/requests/some-id'])(
    'fits in 200 KB for %s, brotli-compressed, page and assets',
    async (path) => {
      harness = await startHarness({ configYaml: E2E_CONFIG });
      const browser = {
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        'accept-encoding': 'gzip, deflate, br, zstd',
      };
      const page = await get(`${harness.url}${path}`, browser);
      expect(page.status).toBe(200);
      expect(page.headers['content-encoding']).toBe('br');
      const html = brotliDecompressSync(page.bytes).toString('utf8');

      const pulled: { path: string; bytes: number }[] = [{ path, bytes: page.bytes.length }];
      const queue = references('index.html', html);
      const seen = new Set<string>();
      while (queue.length > 0) {
        const file = queue.shift() ?? '';
        if (seen.has(file)) {
          continue;
        }
        seen.add(file);
        const asset = await get(`${harness.url}/${file}`, {
          accept: '*/*',
          'accept-encoding': browser['accept-encoding'],
        });
        expect(asset.status, file).toBe(200);
        expect(asset.headers['content-encoding'], file).toBe('br');
        expect(asset.headers['cache-control'], file).toContain('immutable');
        pulled.push({ path: file, bytes: asset.bytes.length });
        queue.push(...references(file, brotliDecompressSync(asset.bytes).toString('utf8')));
      }
      expect(pulled.some((file) => file.path.endsWith('.js'))).toBe(true);
      expect(pulled.some((file) => file.path.endsWith('.css'))).toBe(true);
      const total = pulled.reduce((sum, file) => sum + file.bytes, 0);
      console.log(
        `first load of ${path}: ${(total / 1024).toFixed(1)} KB (${pulled.map((f) => `${f.path} ${f.bytes}`).join(', ')})`,
      );
      expect(total).toBeLessThan(BUDGET_BYTES);
    },
  );
});
