import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { ADMIN_AUTH, filterTab, row, signIn } from './support/admin.js';
import { seriousFindings } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { ADMIN_ENV } from './support/e2e-config.js';
import { inReview } from './support/in-review.js';
import { createSessions, type SessionOptions } from './support/session.js';

// Code run inside the page is passed as a string expression or touches the DOM only through its
// argument: the repository's tsconfig has no DOM library (it type-checks Node code).
describe('admin console', () => {
  const sessions = createSessions();
  afterEach(() => sessions.closeAll());
  const start = (options: SessionOptions = {}) => sessions.start({ env: ADMIN_ENV, ...options });

  it('refuses a wrong password and keeps nothing in storage', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await signIn(browser, harness, { password: 'wrong password' });

    await expect
      .poll(() => page.getByTestId('login-error').textContent())
      .toBe('Wrong username or password.');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    expect(await page.evaluate('[sessionStorage.length, localStorage.length]')).toEqual([0, 0]);
    expect(await page.locator('.request-table').count()).toBe(0);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-login-wrong-password');
  });

  it('moves an old /#/admin link to /admin', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/#/admin`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin');
    expect(new URL(page.url()).hash).toBe('');
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
  });

  it('says so when the admin API is turned off', async () => {
    const { harness, browser } = await sessions.start();
    await signIn(browser, harness);
    await expect
      .poll(() => browser.page.getByTestId('login-error').textContent())
      .toContain('The admin API is turned off on this server');
  });

  it('approves an in-review request, shows the masked key, then revokes it', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    const id = await inReview(harness, 'ada@example.com');
    await signIn(browser, harness);

    // The console opens on the review queue.
    await expect.poll(() => row(browser, id).getAttribute('data-state')).toBe('in-review');
    expect(await filterTab(page, 'In review').getAttribute('aria-pressed')).toBe('true');
    expect(await row(browser, id).textContent()).toContain('ada@example.com');
    expect(await page.evaluate('sessionStorage.length')).toBe(1);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-review-queue');

    await page
      .getByRole('button', { name: 'Approve the request of ada@example.com for claude-3-5-sonnet' })
      .click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(
      'A key for claude-3-5-sonnet is created and emailed to ada@example.com',
    );
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-approve-dialog');
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();

    await expect
      .poll(() => page.locator('.banner-success').textContent())
      .toContain('Approved the request of ada@example.com for claude-3-5-sonnet.');
    await expect.poll(() => row(browser, id).count()).toBe(0);
    expect(await page.getByTestId('admin-empty').textContent()).toBe('Nothing is waiting for review.');

    // Under "All" the row shows the new state; once the worker minted, a masked key.
    await filterTab(page, 'All').click();
    await expect.poll(() => row(browser, id).getAttribute('data-state')).toBe('approved');
    await waitUntil(async () => (await harness.service.store.get(id))?.keyHash, { what: 'minted key' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => row(browser, id).locator('td[data-label="Key"]').textContent())
      .toMatch(/^sk-…[\w-]{4}$/);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-approved');

    // Revoking needs a reason.
    await row(browser, id)
      .getByRole('button', { name: /^Revoke/ })
      .click();
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    expect(await dialog.locator('#reason-error').textContent()).toContain('A reason is required');
    await dialog.getByLabel(/Reason/).fill('Left the project');
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect.poll(() => row(browser, id).getAttribute('data-state')).toBe('revoked');
    expect(await row(browser, id).textContent()).toContain('Left the project');
    expect((await harness.service.store.get(id))?.state).toBe('revoked');
    expect(browser.errors).toEqual([]);
  });

  it('denies with a reason, and refreshes when another admin decided first', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    const first = await inReview(harness, 'grace@example.com');
    const second = await inReview(harness, 'linus@example.com');
    await signIn(browser, harness);
    await expect.poll(() => page.locator('.request-table tbody tr').count()).toBe(2);

    await row(browser, first).getByRole('button', { name: /^Deny/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Reason/).fill('Use the on-prem model instead');
    await dialog.getByRole('button', { name: 'Deny', exact: true }).click();
    await expect.poll(() => row(browser, first).count()).toBe(0);
    const denied = await harness.service.store.get(first);
    expect([denied?.state, denied?.reason]).toEqual(['denied', 'Use the on-prem model instead']);

    // Another reviewer approves the second request while this dialog is open.
    await row(browser, second).getByRole('button', { name: /^Deny/ }).click();
    const elsewhere = await fetch(`${harness.url}/api/admin/requests/${second}/approve`, {
      method: 'POST',
      headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(elsewhere.status).toBe(200);
    await dialog.getByLabel(/Reason/).fill('Too late');
    await dialog.getByRole('button', { name: 'Deny', exact: true }).click();

    await expect
      .poll(() => page.locator('.banner-error').textContent())
      .toContain('Could not deny the request of linus@example.com: it is Approved now');
    await expect.poll(() => row(browser, second).count()).toBe(0);
    expect((await harness.service.store.get(second))?.state).toBe('approved');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-conflict');
  });

  it('stays signed in across a reload of the tab and signs out on request', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    const id = await inReview(harness, 'ken@example.com');
    await signIn(browser, harness);
    await expect.poll(() => row(browser, id).count()).toBe(1);

    // Reloaded: the session is still there.
    await page.reload();
    await expect.poll(() => row(browser, id).count()).toBe(1);
    // The request id links to the request's own page in the console.
    await row(browser, id).getByRole('link', { name: id }).click();
    expect(new URL(page.url()).pathname).toBe(`/admin/requests/${id}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Key request');
    const detail = page.getByTestId('request-detail');
    await expect.poll(() => detail.locator('h2').textContent()).toBe('ken@example.com');
    expect(await seriousFindings(page)).toEqual([]);
    // That page's address, typed or reloaded, opens the same request.
    await page.reload();
    expect(new URL(page.url()).pathname).toBe(`/admin/requests/${id}`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Key request');
    await expect.poll(() => detail.getAttribute('data-state')).toBe('in-review');
    await page.getByRole('link', { name: /All key requests/ }).click();
    expect(new URL(page.url()).pathname).toBe('/admin');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('lays the requests out as cards on a 360 px screen', async () => {
    const { harness, browser } = await start({ viewport: { width: 360, height: 780 }, dark: true });
    const { page } = browser;
    const id = await inReview(harness, 'a.very.long.address.for.layout@example.com');
    await signIn(browser, harness);
    await expect.poll(() => row(browser, id).count()).toBe(1);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(
      await row(browser, id).evaluate(
        (node) => node.ownerDocument.defaultView?.getComputedStyle(node).display,
      ),
    ).toBe('block');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-mobile-dark');
  });
});
