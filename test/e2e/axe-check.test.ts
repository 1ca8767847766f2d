import { afterEach, describe, expect, it } from 'vitest';
import { seriousFindings } from './support/axe.js';
import { type Browser, openBrowser } from './support/browser.js';

// The pages' accessibility checks pass only if the checker finds what it should.
describe('seriousFindings', () => {
  let browser: Browser | null = null;
  afterEach(async () => {
    await browser?.close();
    browser = null;
  });

  it('reports serious and critical findings with the elements they concern', async () => {
    browser = await openBrowser();
    await browser.page.setContent(
      `<!doctype html><html lang="en"><head><title>t</title></head><body><main>
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">
        <button id="empty-button"></button>
        <p style="color:#777;background:#888">low contrast text</p>
      </main></body></html>`,
    );
    const findings = await seriousFindings(browser.page);
    expect(findings.map((finding) => [finding.rule, finding.impact, finding.targets])).toEqual([
      ['button-name', 'critical', ['#empty-button']],
      ['color-contrast', 'serious', ['p']],
      ['image-alt', 'critical', ['#no-alt']],
    ]);
  });

  it('finds nothing on a plain, labelled page', async () => {
    browser = await openBrowser();
    await browser.page.setContent(
      '<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>Fine</h1><button>Go</button></main></body></html>',
    );
    expect(await seriousFindings(browser.page)).toEqual([]);
  });
});
