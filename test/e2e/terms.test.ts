import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { seriousFindings } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { E2E_CONFIG } from './support/e2e-config.js';
import { createSessions, type SessionOptions } from './support/session.js';

const TERMS_TEXT = `
portal:
  terms: |
    Keys are for work on company projects only.
    Keep your key secret: do not share it or commit it.

    Usage is monitored, and a key may be revoked at any time.
`;

// Code run inside the page is passed as a string expression or touches the DOM only through its
// argument: the repository's tsconfig has no DOM library (it type-checks Node code).
describe('terms of use', () => {
  const sessions = createSessions();
  afterEach(() => sessions.closeAll());
  const start = (options: SessionOptions = {}) => sessions.start(options);

  it('asks for consent before a request is sent, with the terms in a dialog', async () => {
    const { harness, browser } = await start({ configYaml: E2E_CONFIG + TERMS_TEXT });
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await page.getByRole('radio', { name: /GPT-4o mini/ }).check();
    await page.getByLabel('Email address').fill('ada@example.com');
    await page.getByRole('button', { name: 'Request key' }).click();

    const consent = page.getByLabel('I accept the terms of use.');
    expect(await page.locator('#terms-error').textContent()).toContain(
      'Accept the terms of use to request a key.',
    );
    expect(await consent.getAttribute('aria-invalid')).toBe('true');
    expect(await consent.evaluate((node) => node === node.ownerDocument.activeElement)).toBe(true);
    expect(await page.getByTestId('request-result').count()).toBe(0);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'terms-required');

    // The terms, read in a dialog; "Accept" ticks the box.
    await page.getByRole('button', { name: 'Read the terms of use' }).click();
    const dialog = page.getByRole('dialog', { name: 'Terms of use' });
    const paragraphs = await dialog.getByTestId('terms-text').locator('p').allTextContents();
    expect(paragraphs).toEqual([
      'Keys are for work on company projects only.\nKeep your key secret: do not share it or commit it.',
      'Usage is monitored, and a key may be revoked at any time.',
    ]);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'terms-dialog');
    // Escape closes it without consent.
    await page.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    expect(await consent.isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Read the terms of use' }).click();
    await dialog.getByRole('button', { name: 'Accept' }).click();
    expect(await consent.isChecked()).toBe(true);
    expect(await page.locator('#terms-error').count()).toBe(0);

    expect((await harness.service.store.list({ limit: 10 })).items).toEqual([]);
    await page.getByRole('button', { name: 'Request key' }).click();
    await expect
      .poll(() => page.getByTestId('request-result').textContent())
      .toContain('We received your request');
    const stored = await waitUntil(() => harness.service.store.list({ limit: 10 }).then((p) => p.items[0]));
    expect([stored.email, stored.model]).toEqual(['ada@example.com', 'gpt-4o-mini']);
    expect(browser.errors).toEqual([]);
  });

  it('links to terms given as a URL, in the page language, on a phone', async () => {
    const { harness, browser } = await start({
      configYaml: `${E2E_CONFIG}\nportal: {terms: "https://intranet.example.com/ai-terms"}\n`,
      locale: 'es-ES',
      viewport: { width: 360, height: 780 },
    });
    const { page } = browser;
    const hosts = new Set<string>();
    page.on('request', (request) => hosts.add(new URL(request.url()).host));
    await page.goto(`${harness.url}/`);
    const link = page.getByRole('link', { name: /Leer las condiciones de uso/ });
    expect(await link.getAttribute('href')).toBe('https://intranet.example.com/ai-terms');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

    await page.getByRole('radio', { name: /Whisper/ }).check();
    await page.getByLabel('Dirección de correo electrónico').fill('eva@example.com');
    await page.getByLabel('Acepto las condiciones de uso.').check();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'terms-link-mobile-es');
    await page.getByRole('button', { name: 'Solicitar clave' }).click();
    await waitUntil(() => harness.service.store.list({ limit: 10 }).then((p) => p.items[0]));
    // Nothing was loaded from the terms' site.
    expect([...hosts]).toEqual([new URL(harness.url).host]);
  });

  it('asks for no consent when no terms are configured', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('.model-card').count()).toBe(7);
    expect(await page.locator('#terms-consent').count()).toBe(0);
    expect(await page.locator('meta[name^="terms"]').count()).toBe(0);
  });
});
