import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** A finding that stops the build: serious or critical (axe's two top impacts). */
export interface Finding {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Runs axe-core (WCAG 2.x A and AA rules, plus best practices) on the page as it is now and
 * returns its serious and critical findings, with the elements each names. axe is injected
 * through the DevTools protocol, so the page's Content-Security-Policy stays as served. */
export async function seriousFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate<boolean>("typeof window.axe === 'object'"))) {
    await page.evaluate(axe.source);
  }
  const results = await page.evaluate<axe.AxeResults>(
    `axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })`,
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
}
