/**
 * Links the compiled server (dist/main.js and the modules it imports, as tsc emitted them) and
 * `typebox` into dist/server.js, the entry point bin/server.sh runs (`npm start`, the image, the
 * benchmark). Run by `npm run build` after tsc.
 *
 * Why: Node keeps every loaded ES module resident (its source text, its module record, its
 * scope infos), and `typebox` is 679 files, loaded one by one for the route schemas and the
 * config's validation; with the service's own ~140 modules they were most of the 866 loaded at
 * start. Linked into one file (537 of typebox's files are left: esbuild drops those nothing
 * uses), they cost 5-6 MiB less resident memory
 * (docs/performance.md, "Resident memory: the checkpoint thread and one module for the server").
 * The code is the same: esbuild only links the JavaScript tsc produced.
 *
 * Every other package stays a plain import of node_modules, as in dist/main.js: several find
 * their own files next to them (`__dirname`: Swagger UI's assets, pino's transports), one
 * (better-sqlite3) is a native addon, and the Kubernetes client and the MCP SDK must stay out of
 * memory until a dynamic import asks for them. The dynamic imports of the service's own code
 * become chunks (dist/server-*.js), loaded only then, as before. Entry and chunks sit in dist/
 * itself, where dist/main.js is, so a path resolved against `import.meta.url`
 * (composition-root.ts: the web UI's files) means the same in both.
 *
 * dist/main.js stays: the same server unlinked (`node dist/main.js`), and the other entry points
 * (the CLI) are not linked.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const DIST = join(import.meta.dirname, '..', 'dist');

/** The packages linked in. Nothing else of node_modules imports them (fastify and
 * fast-json-stringify list typebox only for their own tests), so there is one copy of each. */
const LINKED = new Set(['typebox', '@fastify/type-provider-typebox']);

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Every bare specifier (a package or a Node built-in) outside LINKED stays an import. */
const otherPackagesExternal: Plugin = {
  name: 'other-packages-external',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      LINKED.has(packageName(path)) ? undefined : { path, external: true },
    );
  },
};

// The hashes of the chunks change with their content: an earlier build's must not stay beside.
for (const name of readdirSync(DIST)) {
  if (/^server(-.+)?\.js(\.map)?$/.test(name)) {
    rmSync(join(DIST, name));
  }
}

await build({
  entryPoints: { server: join(DIST, 'main.js') },
  outdir: DIST,
  chunkNames: 'server-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [otherPackagesExternal],
  // Through the maps tsc wrote, back to src/.
  sourcemap: true,
  logLevel: 'warning',
});
