import type { Page } from 'playwright-core';
import type { Harness } from '../../support/service-harness.js';
import type { Browser } from './browser.js';
import { ADMIN_ENV } from './e2e-config.js';

export const ADMIN_AUTH = `Basic ${Buffer.from(`${ADMIN_ENV.ADMIN_USERNAME}:${ADMIN_ENV.ADMIN_PASSWORD}`).toString('base64')}`;

/** Opens `path` (typed into the address bar: the service answers it with the page) and signs in
 * with the English form. */
export async function signIn(
  browser: Browser,
  harness: Harness,
  { password = ADMIN_ENV.ADMIN_PASSWORD, path = '/admin' }: { password?: string; path?: string } = {},
): Promise<void> {
  const { page } = browser;
  await page.goto(`${harness.url}${path}`);
  await page.getByLabel('Username').fill(ADMIN_ENV.ADMIN_USERNAME);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** One request's row in the console's table. */
export function row(browser: Browser, id: string) {
  return browser.page.locator(`tr[data-request-id="${id}"]`);
}

/** A state tab by its label; its name also holds the count once the counts are loaded. */
export function filterTab(page: Page, label: string) {
  return page.getByRole('button', { name: new RegExp(`^${label}( \\d+)?$`) });
}
