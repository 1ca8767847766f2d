import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_ENV } from '../support/service-harness.js';
import { screenshot } from './support/browser.js';
import { createSessions } from './support/session.js';

// The service's one Content-Security-Policy (src/http/plugins/security-headers.ts) is strict:
// scripts and styles from the service only, nothing inline. Swagger UI must work under it.
describe('API reference at /docs', () => {
  const sessions = createSessions();
  afterEach(() => sessions.closeAll());

  it('renders Swagger UI under the CSP, with no violation reported', async () => {
    const { harness, browser } = await sessions.start({ env: ADMIN_ENV });
    const { page } = browser;
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        violations.push(message.text());
      }
    });
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));

    const response = await page.goto(`${harness.url}/docs`);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    // Every route of the API is listed: the bundle ran and the document loaded.
    await expect
      .poll(() => page.locator('.opblock-summary-path').count(), { timeout: 20_000 })
      .toBeGreaterThan(5);
    await page.locator('.opblock-summary-path', { hasText: '/api/request-key' }).first().click();
    await expect.poll(() => page.locator('.opblock-body').count()).toBeGreaterThan(0);
    await screenshot(page, 'api-docs');

    expect(violations).toEqual([]);
    expect(failed).toEqual([]);
    expect(browser.errors).toEqual([]);
  });
});
