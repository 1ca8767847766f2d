import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../support/service-harness.js';
import { waitUntil } from '../support/wait.js';
import { filterTab, row, signIn } from './support/admin.js';
import { seriousFindings } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { ADMIN_ENV, E2E_KEY_CONFIG } from './support/e2e-config.js';
import { inReview } from './support/in-review.js';
import { activeText, historyActions } from './support/reading.js';
import { createSessions, type SessionOptions } from './support/session.js';

// Code run inside the page is passed as a string expression or touches the DOM only through its
// argument: the repository's tsconfig has no DOM library (it type-checks Node code).

/** Submits through the public API and waits until the worker is done with the request in `state`. */
async function decided(harness: Harness, email: string, model: string, state: string): Promise<string> {
  const { body } = await harness.submit(email, model);
  const id = String(body.request_id);
  const done = await harness.settled(id);
  expect(done.state).toBe(state);
  return id;
}

/** The ids of the table's rows, top to bottom. */
function shownIds(page: Page): Promise<(string | null)[]> {
  return page
    .locator('.request-table tbody tr')
    .evaluateAll((rows) => rows.map((item) => item.getAttribute('data-request-id')));
}

describe('admin console: counts, search, order and the detail view', () => {
  const sessions = createSessions();
  afterEach(() => sessions.closeAll());
  const start = (options: SessionOptions = {}) => sessions.start({ env: ADMIN_ENV, ...options });

  it('counts every state tab, searches by email, model or id, and sorts by date', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    const ada = await inReview(harness, 'ada@example.com');
    const grace = await decided(harness, 'grace@example.com', 'gpt-4o', 'approved');
    const linus = await decided(harness, 'linus@example.com', 'mistral-large', 'denied');
    const ken = await inReview(harness, 'ken@example.org');
    await signIn(browser, harness);

    await expect
      .poll(() => page.locator('.filter').allInnerTexts())
      .toEqual(['Pending 0', 'In review 2', 'Approved 1', 'Denied 1', 'Revoked 0', 'Expired 0', 'All 4']);
    expect(await filterTab(page, 'In review').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => shownIds(page)).toEqual([ken, ada]);

    // Search within the tab, in any case.
    const search = page.getByLabel('Search by email, model or id');
    await search.fill('EXAMPLE.COM');
    await expect.poll(() => shownIds(page)).toEqual([ada]);

    await filterTab(page, 'All').click();
    await search.fill('grace');
    await expect.poll(() => shownIds(page)).toEqual([grace]);
    await search.fill('mistral');
    await expect.poll(() => shownIds(page)).toEqual([linus]);
    await search.fill(ken);
    await expect.poll(() => shownIds(page)).toEqual([ken]);
    await search.fill('nobody');
    await expect
      .poll(() => page.getByTestId('admin-empty').textContent())
      .toBe('No request matches “nobody” here.');
    expect(await seriousFindings(page)).toEqual([]);

    // Enter searches at once; an empty search shows everything, newest first by default.
    await search.fill('');
    await search.press('Enter');
    await expect.poll(() => shownIds(page)).toEqual([ken, linus, grace, ada]);
    await page.getByLabel('Order').selectOption({ label: 'Oldest first' });
    await expect.poll(() => shownIds(page)).toEqual([ada, grace, linus, ken]);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-console-counts');

    // A decision from the table updates the counts.
    await page
      .getByRole('button', { name: 'Deny the request of ada@example.com for claude-3-5-sonnet' })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Reason/).fill('Not for this project');
    await dialog.getByRole('button', { name: 'Deny', exact: true }).click();
    await expect
      .poll(() => page.locator('.filter').allInnerTexts())
      .toEqual(['Pending 0', 'In review 1', 'Approved 1', 'Denied 2', 'Revoked 0', 'Expired 0', 'All 4']);
    expect(browser.errors).toEqual([]);
  });

  it('opens a typed request address with its history, and re-issues a denied request by keyboard', async () => {
    const { harness, browser } = await start({ configYaml: E2E_KEY_CONFIG });
    const { page } = browser;
    const id = await decided(harness, 'linus@example.com', 'mistral-large', 'denied');
    // The link a review notice carries: signing in on it opens that request.
    await signIn(browser, harness, { path: `/admin/requests/${id}` });

    const detail = page.getByTestId('request-detail');
    await expect.poll(() => detail.getAttribute('data-state')).toBe('denied');
    expect(await page.locator('h1').textContent()).toBe('Key request');
    expect(await detail.locator('h2').textContent()).toBe('linus@example.com');
    expect(await detail.textContent()).toContain(
      'All approval plugins returned CONTINUE - denied by default',
    );
    expect(await page.getByTestId('fact-key').textContent()).toBe('None');
    expect(await page.getByTestId('fact-expires').textContent()).toBe('No key yet');
    expect(await page.getByTestId('fact-cycle').textContent()).toBe('1');
    expect(await page.getByTestId('fact-spend').textContent()).toBe('Not available');
    // The history as stored, oldest first, in words.
    const stored = await harness.request(id);
    expect(await historyActions(page)).toEqual(stored.history.map((entry) => entry.action));
    const decision = page.getByTestId('history').locator('li[data-action="decided"]');
    expect(await decision.textContent()).toContain('Decided by the approval checks · The service');
    expect(await decision.textContent()).toContain('From Pending to Denied');
    // Only what the API allows from denied: a re-issue.
    expect(await detail.locator('.action-row button').allInnerTexts()).toEqual(['Re-issue']);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-detail-denied');

    // Keyboard only, with a visible focus: from the back link, Tab reaches the action.
    await page.getByRole('link', { name: /All key requests/ }).focus();
    await page.keyboard.press('Tab');
    expect(await activeText(page)).toBe('Re-issue');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('The request starts a new cycle: a key for mistral-large');
    expect(await page.evaluate('document.activeElement?.id')).toBe('action-reason');
    expect(await seriousFindings(page)).toEqual([]);
    await page.keyboard.type('Approved by the team lead');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await activeText(page)).toBe('Re-issue');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('.banner-success').textContent())
      .toContain('Re-issued a key to linus@example.com for mistral-large.');

    // The worker mints and mails the key; the page shows the new cycle once refreshed.
    const mail = await harness.smtp.waitFor(
      (m) => m.subject === 'API Key Approved for mistral-large',
      20_000,
    );
    expect(mail.to).toEqual(['linus@example.com']);
    const reissued = await harness.settled(id);
    harness.litellm.setSpend(String(reissued.keyHash), 1.25);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.getByTestId('fact-key').textContent()).toMatch(/^sk-…[\w-]{4}$/);
    expect(await detail.getAttribute('data-state')).toBe('approved');
    expect(await page.getByTestId('fact-cycle').textContent()).toBe('2');
    expect(await page.getByTestId('fact-expires').locator('time').getAttribute('datetime')).toBe(
      reissued.expiresAt,
    );
    expect(await page.getByTestId('fact-spend').textContent()).toBe('$1.25 of $5.00 per 30d');
    expect(await historyActions(page)).toEqual(reissued.history.map((entry) => entry.action));
    const entry = page.getByTestId('history').locator('li[data-action="reissued"]');
    expect(await entry.textContent()).toContain('Re-issued · Administrator reviewer');
    expect(await entry.textContent()).toContain('Approved by the team lead');
    expect(await detail.locator('.action-row button').allInnerTexts()).toEqual(['Revoke']);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-detail-reissued');
    expect(browser.errors).toEqual([]);
  });

  it('re-sends an email the mail server refused, from the request the console marks', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    harness.smtp.refuseRecipient('bounce@example.com', 550);
    const { body } = await harness.submit('bounce@example.com', 'gpt-4o');
    const id = String(body.request_id);
    await waitUntil(async () => (await harness.request(id)).notificationFailure, {
      timeoutMs: 60_000,
      what: 'the approval mail to be given up',
    });
    await signIn(browser, harness);

    await expect
      .poll(() => page.locator('.banner-info').textContent())
      .toContain('1 email could not be delivered.');
    await filterTab(page, 'Approved').click();
    await expect
      .poll(() => row(browser, id).getByTestId('mail-failed').textContent())
      .toBe('Email not delivered');
    await row(browser, id).getByRole('link', { name: id }).click();

    const failure = page.getByTestId('notification-failure');
    await expect
      .poll(() => failure.textContent())
      .toContain('Not delivered: the approval email with the key');
    expect(await failure.textContent()).toContain('550');
    const detail = page.getByTestId('request-detail');
    expect(await detail.locator('.action-row button').allInnerTexts()).toEqual(['Revoke', 'Re-send email']);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-detail-mail-failed');

    harness.smtp.refuseRecipient('bounce@example.com', null);
    await detail.getByRole('button', { name: 'Re-send email' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Re-send the undelivered email to bounce@example.com?');
    // Re-sending takes no reason.
    expect(await dialog.locator('textarea').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Re-send email' }).click();
    await expect
      .poll(() => page.locator('.banner-success').textContent())
      .toContain('The undelivered email to bounce@example.com for gpt-4o is sent again.');

    const mail = await harness.smtp.waitFor((m) => m.to.includes('bounce@example.com'), 20_000);
    expect(mail.subject).toBe('API Key Approved for gpt-4o');
    await waitUntil(async () => (await harness.request(id)).history.at(-1)?.action === 'mail-delivered', {
      what: 'the resent mail recorded',
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => failure.count()).toBe(0);
    expect((await historyActions(page)).slice(-2)).toEqual(['mail-resent', 'mail-delivered']);
    expect(
      await page.getByTestId('history').locator('li[data-action="mail-resent"]').textContent(),
    ).toContain('Email sent again · Administrator reviewer');
    expect(await detail.locator('.action-row button').allInnerTexts()).toEqual(['Revoke']);
    expect(browser.errors).toEqual([]);
  });

  it('fits the detail view on a 360 px screen', async () => {
    const { harness, browser } = await start({ viewport: { width: 360, height: 780 }, dark: true });
    const { page } = browser;
    const id = await inReview(harness, 'a.very.long.address.for.layout@example.com');
    await signIn(browser, harness, { path: `/admin/requests/${id}` });
    await expect.poll(() => page.getByTestId('request-detail').getAttribute('data-state')).toBe('in-review');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(await page.getByTestId('request-detail').locator('.action-row button').allInnerTexts()).toEqual([
      'Approve',
      'Deny',
    ]);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-detail-mobile-dark');
  });
});
