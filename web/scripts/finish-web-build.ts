import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The service's own page builder: the page is measured with what the service adds to it.
import { buildUiPage } from '../../src/http/ui-page.js';
import { budgetReport, firstLoad } from './first-load.js';
import { precompress } from './precompress.js';

/** After `vite build`: brotli and gzip copies of every text asset, then the weight check.
 * The first load of the UI (index.html and all it pulls in, as a browser gets it from the
 * service: brotli-compressed, index.html with the service's default portal settings) must
 * stay within the budget, or the build fails. */
const BUDGET_BYTES = 200 * 1024;
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

precompress(DIST);
const report = budgetReport(
  firstLoad(DIST, (html) => {
    const page = buildUiPage(html, { defaultLanguage: 'de', terms: null });
    return { bytes: page.identity.body.length, served: page.br.body.length };
  }),
  BUDGET_BYTES,
);
for (const line of report.lines) {
  console.log(line);
}
if (!report.ok) {
  process.exit(1);
}
