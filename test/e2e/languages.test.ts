import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/catalogs/en.js';
import { filterTab } from './support/admin.js';
import { seriousFindings } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { ADMIN_ENV, E2E_CONFIG, E2E_KEY_CONFIG } from './support/e2e-config.js';
import { inReview } from './support/in-review.js';
import { createSessions, type SessionOptions } from './support/session.js';

/** The English catalog's fixed wording: each text cut at its placeholders and markup,
 * keeping pieces long enough not to match by accident (model names, ids). */
function englishPhrases(): string[] {
  const phrases = new Set<string>();
  const walk = (tree: object) => {
    for (const value of Object.values(tree)) {
      if (typeof value === 'string') {
        for (const piece of value.split(/\{\{[^}]*\}\}|<\/?\w+>/)) {
          const phrase = piece.trim();
          if (phrase.length >= 12 && phrase !== en.app.name) {
            phrases.add(phrase);
          }
        }
      } else {
        walk(value as object);
      }
    }
  };
  walk(en);
  return [...phrases];
}

/** English catalog phrases visible on the page (its text, plus labels and placeholders). */
async function englishLeft(page: Page): Promise<string[]> {
  const text = await page.evaluate<string>(
    `document.body.innerText + ' ' + [...document.querySelectorAll('[aria-label],[placeholder],[title]')]
      .map((node) => [node.getAttribute('aria-label'), node.getAttribute('placeholder'), node.getAttribute('title')].join(' '))
      .join(' ')`,
  );
  return englishPhrases().filter((phrase) => text.includes(phrase));
}

describe('languages', () => {
  const sessions = createSessions();
  afterEach(() => sessions.closeAll());
  const start = (options: SessionOptions = {}) => sessions.start({ env: ADMIN_ENV, ...options });

  it("starts in the browser's language and leaves no English on the portal and the console", async () => {
    const { harness, browser } = await start({ locale: 'de-AT' });
    const { page } = browser;
    const id = await inReview(harness, 'ada@example.com');
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('API-Schlüssel anfordern');
    expect(await page.evaluate('document.documentElement.lang')).toBe('de');
    await expect.poll(() => page.locator('.model-card').count()).toBe(7);
    expect(await englishLeft(page)).toEqual([]);

    // The server's validation answer, in German.
    await page.getByRole('radio', { name: /Mistral Large/ }).check();
    await page.getByLabel('E-Mail-Adresse').fill('someone@example');
    await page.getByRole('button', { name: 'Schlüssel anfordern' }).click();
    await expect
      .poll(() => page.locator('#email-error').textContent())
      .toContain('Der Server nimmt diese E-Mail-Adresse nicht an');

    await page.getByLabel('E-Mail-Adresse').fill('grace@example.com');
    await page.getByRole('button', { name: 'Schlüssel anfordern' }).click();
    const result = page.getByTestId('request-result');
    await expect.poll(() => result.getAttribute('data-state'), { timeout: 20_000 }).toBe('denied');
    expect(await englishLeft(page)).toEqual([]);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'request-page-de');

    await page.getByRole('link', { name: 'Verwaltung' }).click();
    expect(await englishLeft(page)).toEqual([]);
    await page.getByLabel('Benutzername').fill(ADMIN_ENV.ADMIN_USERNAME);
    await page.getByLabel('Passwort').fill(ADMIN_ENV.ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await expect.poll(() => page.locator(`tr[data-request-id="${id}"]`).count()).toBe(1);
    expect(await englishLeft(page)).toEqual([]);
    await filterTab(page, 'Alle').click();
    await expect.poll(() => page.locator('.request-table tbody tr').count()).toBe(2);
    expect(await englishLeft(page)).toEqual([]);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-console-de');

    await page
      .locator(`tr[data-request-id="${id}"]`)
      .getByRole('button', { name: /ablehnen/ })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Ablehnen', exact: true }).click();
    expect(await dialog.locator('#reason-error').textContent()).toContain('Eine Begründung ist erforderlich');
    expect(await englishLeft(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Abbrechen' }).click();
    expect(browser.errors).toEqual([]);
  });

  it("starts in portal.default_language when the browser prefers none of the UI's languages", async () => {
    // The bundled default is German, as in the original portal.
    const { harness, browser } = await start({ locale: 'fr-FR' });
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('API-Schlüssel anfordern');
    expect(await page.evaluate('navigator.language')).toBe('fr-FR');
    expect(await page.evaluate('document.documentElement.lang')).toBe('de');

    // Configured: Spanish, here for the console's address typed in.
    const configured = await start({
      locale: 'fr-FR',
      configYaml: `${E2E_CONFIG}\nportal: {default_language: es}\n`,
    });
    await configured.browser.page.goto(`${configured.harness.url}/admin`);
    await expect.poll(() => configured.browser.page.locator('h1').textContent()).toBe('Administración');
    expect(await configured.browser.page.evaluate('document.documentElement.lang')).toBe('es');
    expect(await englishLeft(configured.browser.page)).toEqual([]);

    // A browser that does speak one of them keeps its own: Accept-Language wins over the default.
    const english = await start({
      locale: 'en-US',
      configYaml: `${E2E_CONFIG}\nportal: {default_language: es}\n`,
    });
    await english.browser.page.goto(`${english.harness.url}/`);
    await expect.poll(() => english.browser.page.locator('h1').textContent()).toBe('Request an API key');
  });

  it('switches language in the page, remembers it, and keeps the console in it', async () => {
    const { harness, browser } = await start({ locale: 'en-GB' });
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Request an API key');
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    // The check below can fail: in English it finds the catalog's phrases.
    expect(await englishLeft(page)).toContain(en.request.lead);

    await page.getByLabel('Language').selectOption('es');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Solicitar una clave de API');
    expect(await page.evaluate('document.documentElement.lang')).toBe('es');
    expect(await page.evaluate("localStorage.getItem('user-locale')")).toBe('es');
    expect(await page.title()).toBe('Solicitar una clave · LLM Key Requestor');
    await expect.poll(() => page.locator('.model-card').count()).toBe(7);
    expect(await englishLeft(page)).toEqual([]);
    await screenshot(page, 'request-page-es');

    // A later visit in this browser starts in the chosen language.
    await page.goto(`${harness.url}/admin`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Administración');
    expect(await page.getByLabel('Idioma').inputValue()).toBe('es');
    expect(await englishLeft(page)).toEqual([]);
  });

  it("leaves no English on the console's detail view (German) and the requester's page (Spanish)", async () => {
    const { harness, browser } = await start({ locale: 'de-DE', configYaml: E2E_KEY_CONFIG });
    const { page } = browser;
    const { body } = await harness.submit('ada@example.com', 'gpt-4o');
    const id = String(body.request_id);
    await harness.settled(id);

    await page.goto(`${harness.url}/admin/requests/${id}`);
    await page.getByLabel('Benutzername').fill(ADMIN_ENV.ADMIN_USERNAME);
    await page.getByLabel('Passwort').fill(ADMIN_ENV.ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await expect.poll(() => page.getByTestId('request-detail').getAttribute('data-state')).toBe('approved');
    // Intl puts a no-break space before the currency sign.
    await expect
      .poll(() => page.getByTestId('fact-spend').textContent())
      .toMatch(/^0,00\s\$ von 5,00\s\$ je 30d$/);
    expect(await page.getByTestId('history').textContent()).toContain('Schlüssel erstellt');
    expect(await englishLeft(page)).toEqual([]);
    await page.getByRole('button', { name: 'Widerrufen' }).click();
    expect(await englishLeft(page)).toEqual([]);
    await page.getByRole('button', { name: 'Abbrechen' }).click();
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'admin-detail-de');

    await page.getByLabel('Sprache').selectOption('es');
    await page.goto(`${harness.url}/requests/${id}?token=${encodeURIComponent(String(body.token))}`);
    await expect
      .poll(() => page.getByTestId('manage').getByRole('button').allInnerTexts())
      .toEqual(['Revocar mi clave']);
    expect(await page.getByTestId('history').textContent()).toContain('Clave creada');
    expect(await englishLeft(page)).toEqual([]);
    await page.getByRole('button', { name: 'Revocar mi clave' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('¿Revocar su clave para gpt-4o?');
    expect(await englishLeft(page)).toEqual([]);
    await page.keyboard.press('Escape');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'requester-page-es');
    expect(browser.errors).toEqual([]);
  });
});
