import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { budgetReport, firstLoad } from './first-load.js';
import { precompress } from './precompress.js';

/** After `vite build`: brotli and gzip copies of every text asset, then the weight check.
 * The first load of the UI (index.html and all it pulls in, as a browser gets it:
 * brotli-compressed) must stay within the budget, or the build fails. */
const BUDGET_BYTES = 200 * 1024;
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

precompress(DIST);
const report = budgetReport(firstLoad(DIST), BUDGET_BYTES);
for (const line of report.lines) {
  console.log(line);
}
if (!report.ok) {
  process.exit(1);
}
