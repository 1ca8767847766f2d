import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/service-harness.js';
import { waitUntil } from '../support/wait.js';
import { seriousFindings } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { E2E_KEY_CONFIG } from './support/e2e-config.js';
import { activeText, historyActions } from './support/reading.js';
import { createSessions, type SessionOptions } from './support/session.js';

// Code run inside the page is passed as a string expression or touches the DOM only through its
// argument: the repository's tsconfig has no DOM library (it type-checks Node code).

/** A gpt-4o request (approved by the e2e chain) with its key minted and mailed: its id and the
 * requester's token from the creating answer. */
async function approvedRequest(harness: Harness, email: string): Promise<{ id: string; token: string }> {
  const { body } = await harness.submit(email, 'gpt-4o');
  const id = String(body.request_id);
  const done = await harness.settled(id);
  expect([done.state, done.keyHash === null]).toEqual(['approved', false]);
  return { id, token: String(body.token) };
}

describe("the requester's page", () => {
  const sessions = createSessions();
  afterEach(() => sessions.closeAll());
  const start = (options: SessionOptions = {}) => sessions.start({ configYaml: E2E_KEY_CONFIG, ...options });

  it('shows the key, its expiry and spend, revokes it after a confirmation, and renews the request', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    const { id, token } = await approvedRequest(harness, 'ada@example.com');
    const minted = await harness.request(id);
    harness.litellm.setSpend(String(minted.keyHash), 0.5);
    await page.goto(`${harness.url}/requests/${id}?token=${encodeURIComponent(token)}`);

    const card = page.getByTestId('status-card');
    await expect.poll(() => card.locator('.badge').textContent()).toBe('Approved');
    await expect.poll(() => page.getByTestId('fact-key').textContent()).toMatch(/^sk-…[\w-]{4}$/);
    expect(await page.getByTestId('fact-expires').locator('time').getAttribute('datetime')).toBe(
      minted.expiresAt,
    );
    expect(await page.getByTestId('fact-cycle').textContent()).toBe('1');
    expect(await page.getByTestId('fact-spend').textContent()).toBe('$0.50 of $5.00 per 30d');
    expect(await historyActions(page)).toEqual(minted.history.map((entry) => entry.action));
    // The mail address is not on the page; far from expiry only revoking is offered.
    expect(await page.locator('main').textContent()).not.toContain('ada@example.com');
    const manage = page.getByTestId('manage');
    expect(await manage.getByRole('button').allInnerTexts()).toEqual(['Revoke my key']);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'requester-page');

    // Escape answers "keep the key": nothing changes.
    await manage.getByRole('button', { name: 'Revoke my key' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Revoke your key for gpt-4o?');
    expect(await activeText(page)).toBe('Keep the key');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'requester-revoke-dialog');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await harness.request(id)).state).toBe('approved');

    // By keyboard: to the button, Enter, Tab past "keep", Enter.
    await manage.getByRole('button', { name: 'Revoke my key' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => activeText(page)).toBe('Keep the key');
    await page.keyboard.press('Tab');
    expect(await activeText(page)).toBe('Revoke my key');
    await page.keyboard.press('Enter');

    const outcome = page.getByTestId('requester-outcome');
    await expect.poll(() => outcome.textContent()).toBe('Your key was revoked and no longer works.');
    expect(await page.evaluate('document.activeElement?.dataset.testid')).toBe('requester-outcome');
    await expect.poll(() => card.locator('.badge').textContent()).toBe('Revoked');
    expect((await harness.request(id)).state).toBe('revoked');
    await waitUntil(() => harness.litellm.liveKeys().length === 0, { what: 'the key deleted on LiteLLM' });
    await expect.poll(() => historyActions(page)).toContain('revoked');
    expect(await page.getByTestId('history').locator('li[data-action="revoked"]').textContent()).toContain(
      'Revoked · Requester',
    );

    // A revoked request may start over: Renew runs the chain again and a new key is mailed.
    expect(await manage.getByRole('button').allInnerTexts()).toEqual(['Renew']);
    await manage.getByRole('button', { name: 'Renew' }).click();
    await expect.poll(() => outcome.textContent()).toContain('Renewal requested.');
    await expect.poll(() => page.getByTestId('fact-cycle').textContent()).toBe('2');
    // The page polls until the new key is there.
    await expect
      .poll(() => page.getByTestId('fact-key').textContent(), { timeout: 20_000 })
      .toMatch(/^sk-…[\w-]{4}$/);
    expect(await card.locator('.badge').textContent()).toBe('Approved');
    const renewed = await harness.settled(id);
    expect(renewed.cycle).toBe(2);
    expect(harness.litellm.liveKeys()).toHaveLength(1);
    await harness.smtp.waitFor((m) => m.messageId === `<${id}.approval.c2@llm-key-requestor>`, 20_000);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'requester-renewed');
    expect(browser.errors).toEqual([]);
  });

  it('shows only the status without a valid token, and says how to get the details', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    const { id } = await approvedRequest(harness, 'grace@example.com');

    await page.goto(`${harness.url}/requests/${id}`);
    await expect.poll(() => page.getByTestId('status-card').locator('.badge').textContent()).toBe('Approved');
    expect(await page.locator('.banner-info').textContent()).toContain('Open the link in your email');
    expect(await page.getByTestId('manage').count()).toBe(0);
    expect(await page.getByTestId('history').count()).toBe(0);
    expect(await page.getByTestId('fact-key').count()).toBe(0);
    expect(await seriousFindings(page)).toEqual([]);

    await page.goto(`${harness.url}/requests/${id}?token=not-the-token`);
    await expect
      .poll(() => page.locator('.banner-info').textContent())
      .toContain('This link does not open the details of the request');
    expect(await page.getByTestId('manage').count()).toBe(0);
    expect(browser.errors).toEqual([]);
  });

  it('fits a 360 px wide phone screen in dark mode', async () => {
    const { harness, browser } = await start({ viewport: { width: 360, height: 780 }, dark: true });
    const { page } = browser;
    const { id, token } = await approvedRequest(harness, 'a.very.long.address.for.layout@example.com');
    await page.goto(`${harness.url}/requests/${id}?token=${encodeURIComponent(token)}`);
    await expect.poll(() => page.getByTestId('fact-key').textContent()).toMatch(/^sk-…/);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'requester-page-mobile-dark');
  });
});
