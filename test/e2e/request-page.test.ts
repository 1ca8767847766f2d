import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../support/service-harness.js';
import { waitUntil } from '../support/wait.js';
import { seriousFindings } from './support/axe.js';
import { screenshot } from './support/browser.js';
import { E2E_CONFIG } from './support/e2e-config.js';
import { createSessions, type SessionOptions } from './support/session.js';

// Code run inside the page is passed as a string expression or touches the DOM only through its
// argument: the repository's tsconfig has no DOM library (it type-checks Node code).
describe('request page', () => {
  const sessions = createSessions();
  afterEach(() => sessions.closeAll());
  const start = (options: SessionOptions = {}) => sessions.start(options);

  it('is served by the service: the page at / for browsers, hashed assets under /assets/', async () => {
    const harness = await startHarness({ configYaml: E2E_CONFIG });
    sessions.track(harness);
    const page = await fetch(`${harness.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    const assets = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((match) => match[1]);
    expect(assets.some((asset) => asset?.endsWith('.js'))).toBe(true);
    expect(assets.some((asset) => asset?.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const response = await fetch(`${harness.url}/${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    // API clients still get the JSON status at the same path.
    expect(await (await fetch(`${harness.url}/`)).json()).toEqual({
      message: 'LLM Key Requestor API',
      status: 'active',
    });
  });

  it('submits a request for the chosen model and links to its status page', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/`);

    await expect.poll(() => page.locator('.model-card').count()).toBe(7);
    // Featured models come first, in their own section.
    const featured = await page
      .locator('.featured-grid .model-card')
      .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-model-id')));
    expect(featured).toEqual(['gpt-4o', 'claude-3-5-sonnet']);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'request-page');

    await page.getByRole('radio', { name: /GPT-4o mini/ }).check();
    await page.getByLabel('Email address').fill('  Ada.Lovelace@Example.com ');
    await page.getByRole('button', { name: 'Request key' }).click();

    const result = page.getByTestId('request-result');
    await expect.poll(() => result.textContent()).toContain('We received your request');
    expect(await result.locator('.badge').textContent()).toMatch(/Pending|Approved/);
    // The whitelist approves gpt-*: the result turns approved on this page, without a reload,
    // and says what happens next; the recent list follows.
    await expect.poll(() => result.getAttribute('data-state'), { timeout: 20_000 }).toBe('approved');
    expect(await result.locator('.badge').textContent()).toBe('Approved');
    expect(await page.getByTestId('result-next').textContent()).toContain('emailed to you');
    expect(await result.textContent()).not.toContain('Checking for updates');
    await expect.poll(() => page.locator('.recent-list .badge').textContent()).toBe('Approved');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'request-submitted');

    const stored = await waitUntil(() => harness.service.store.list({ limit: 10 }).then((p) => p.items[0]));
    expect(stored.email).toBe('ada.lovelace@example.com');
    expect(stored.model).toBe('gpt-4o-mini');

    await page.getByRole('link', { name: 'Follow the status of this request' }).click();
    expect(new URL(page.url()).pathname).toBe(`/requests/${stored.id}`);
    // The whitelist approves gpt-*: the page ends on "approved" by polling.
    await expect
      .poll(() => page.getByTestId('status-card').locator('.badge').textContent(), { timeout: 20_000 })
      .toBe('Approved');
    expect(await page.getByTestId('status-card').textContent()).toContain('The key was emailed to you');
    // The link carried the request's token: the page has the details and the history.
    expect(new URL(page.url()).searchParams.get('token')).toBeTruthy();
    await expect.poll(() => page.getByTestId('history').count()).toBe(1);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'status-approved');

    // Back on the request page the request is remembered in this browser.
    await page.getByRole('link', { name: 'Request a key' }).click();
    await expect.poll(() => page.locator('.recent-list li').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/');
    // With the token from the answer: the link opens the request's full page.
    expect(await page.locator('.recent-list a').getAttribute('href')).toMatch(
      new RegExp(`^requests/${stored.id}\\?token=[\\w-]+$`),
    );
    // Back and forward go through the history without reloading the page.
    await page.goBack();
    expect(new URL(page.url()).pathname).toBe(`/requests/${stored.id}`);
    await expect.poll(() => page.getByTestId('status-card').locator('.badge').textContent()).toBe('Approved');
    expect(browser.errors).toEqual([]);
  });

  it("opens a request's page typed into the address bar, token and all", async () => {
    const { harness, browser } = await start();
    const submitted = await harness.submit('typist@example.com', 'gpt-4o');
    const id = String(submitted.body.request_id);
    const { page } = browser;
    const answer = await page.goto(`${harness.url}/requests/${id}?token=abc`);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-encoding']).toBe('br');
    await expect
      .poll(() => page.getByTestId('status-card').locator('.badge').textContent(), { timeout: 20_000 })
      .toBe('Approved');
    expect(new URL(page.url()).pathname).toBe(`/requests/${id}`);
    expect(await seriousFindings(page)).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it('keeps polling a pending request until the worker decides it', async () => {
    const { harness, browser } = await start({ startWorker: false });
    // Stored pending, as a chain whose http plugin must be asked first leaves it (this chain's
    // whitelist would approve it as it is submitted).
    const { request } = await harness.service.store.create({ email: 'grace@example.com', model: 'gpt-4o' });
    const id = request.id;
    const { page } = browser;
    // A link of the earlier hash-routed UI lands on the request's real path.
    await page.goto(`${harness.url}/#/status/${id}`);
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/requests/${id}`);
    expect(new URL(page.url()).hash).toBe('');

    const badge = page.getByTestId('status-card').locator('.badge');
    await expect.poll(() => badge.textContent()).toBe('Pending');
    expect(await page.getByTestId('status-card').textContent()).toContain('Checking for updates');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'status-pending');

    harness.service.worker.start();
    await expect.poll(() => badge.textContent(), { timeout: 20_000 }).toBe('Approved');
    expect(await page.getByTestId('status-card').textContent()).not.toContain('Checking for updates');
    expect(browser.errors).toEqual([]);
  });

  it("shows the server's 422 next to the email field, in the page's words", async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await page.getByRole('radio', { name: /Mistral Large/ }).check();
    // Passes the page's loose shape check, fails the server's rule (no dot in the domain).
    await page.getByLabel('Email address').fill('someone@example');
    await page.getByRole('button', { name: 'Request key' }).click();

    const error = page.locator('#email-error');
    await expect.poll(() => error.textContent()).toContain('The server does not accept this email address');
    expect(await error.textContent()).toContain('the domain needs a dot');
    const email = page.getByLabel('Email address');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await email.getAttribute('aria-describedby')).toContain('email-error');
    expect(await email.evaluate((node) => node === node.ownerDocument.activeElement)).toBe(true);
    expect(await page.getByTestId('request-result').count()).toBe(0);
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'request-invalid-email');

    // Nothing was stored: the server rejected the request.
    expect((await harness.service.store.list({ limit: 10 })).items).toEqual([]);
  });

  it('asks for a model and an email before sending anything', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('.model-card').count()).toBe(7);
    await page.getByRole('button', { name: 'Request key' }).click();

    expect(await page.locator('#llm-error').textContent()).toContain('Choose a model first.');
    expect(await page.locator('#email-error').textContent()).toContain('Enter your email address.');
    expect(await seriousFindings(page)).toEqual([]);
    expect((await harness.service.store.list({ limit: 10 })).items).toEqual([]);
  });

  it('filters the cards by search and shows an unknown request as not found', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await page.getByLabel('Search models').fill('speech');
    await expect.poll(() => page.locator('.model-card').count()).toBe(1);
    expect(await page.locator('.model-card').getAttribute('data-model-id')).toBe('whisper-1');

    await page.goto(`${harness.url}/#/status/does-not-exist`);
    await expect
      .poll(() => page.getByTestId('status-not-found').textContent())
      .toContain('Request not found');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'status-not-found');
  });

  it('draws Iconify icons from the service in the model colour, and a letter where there is none', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('.model-card').count()).toBe(7);

    // simple-icons:openai, built by the service from the installed icon set.
    const openai = page.locator('[data-model-id="gpt-4o-mini"] .model-icon .icon-mask');
    await expect.poll(() => openai.count()).toBe(1);
    const style = await openai.evaluate((node) => {
      const computed = node.ownerDocument.defaultView?.getComputedStyle(node);
      return { mask: computed?.maskImage ?? '', colour: computed?.backgroundColor ?? '' };
    });
    expect(style.mask).toMatch(/^url\("data:image\/svg\+xml/);
    // OpenAI's mark: the start of its path in simple-icons.
    expect(decodeURIComponent(style.mask)).toContain('M22.282 9.821');
    expect(style.colour).toBe('rgb(14, 165, 233)'); // #0ea5e9, the model's colour
    // mdi:weather-windy too, in its model's colour.
    const windy = page.locator('[data-model-id="mistral-large"] .model-icon .icon-mask');
    await expect.poll(() => windy.count()).toBe(1);
    expect(
      await windy.evaluate((node) => node.ownerDocument.defaultView?.getComputedStyle(node).backgroundColor),
    ).toBe(
      'rgb(249, 115, 22)', // #f97316
    );

    // An id no icon set has: the title's letter, not "md".
    const missing = page.locator('[data-model-id="text-embedding-3-small"] .model-icon');
    await expect.poll(() => missing.textContent()).toBe('E');
    expect(await missing.locator('.icon-pending').count()).toBe(0);

    // Everything came from the service on 127.0.0.1, the icons from its own /icons/.
    const origin = new URL(harness.url).origin;
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(requested.filter((url) => url.includes('/icons/')).sort()).toEqual([
      `${origin}/icons/mdi/no-such-icon.svg`,
      `${origin}/icons/mdi/weather-windy.svg`,
      `${origin}/icons/simple-icons/openai.svg`,
    ]);
    await screenshot(page, 'request-page-icons');
  });

  it('fits a 360 px wide phone screen in dark mode without sideways scrolling', async () => {
    const { harness, browser } = await start({ viewport: { width: 360, height: 780 }, dark: true });
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('.model-card').count()).toBe(7);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(360);
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(15, 18, 26)');
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'request-page-mobile-dark');
  });

  it('tells the requester when a request waits for an administrator', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await page.getByRole('radio', { name: /Claude 3.5 Sonnet/ }).check();
    await page.getByLabel('Email address').fill('mary@example.com');
    await page.getByRole('button', { name: 'Request key' }).click();

    const result = page.getByTestId('request-result');
    await expect.poll(() => result.getAttribute('data-state'), { timeout: 20_000 }).toBe('in-review');
    expect(await page.getByTestId('result-next').textContent()).toContain(
      'An administrator needs to look at this request',
    );
    expect(await seriousFindings(page)).toEqual([]);
    await screenshot(page, 'request-in-review');
  });

  it('is usable with the keyboard alone', async () => {
    const { harness, browser } = await start();
    const { page } = browser;
    await page.goto(`${harness.url}/`);
    await expect.poll(() => page.locator('.model-card').count()).toBe(7);

    await page.getByLabel('Search models').focus();
    // Tab into the radio group, arrow to the second featured model, Tab on to the email field.
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: /Claude 3.5 Sonnet/ }).isChecked()).toBe(true);
    // The rest of the group is one tab stop: the next Tab lands on the email field.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('email');
    await page.keyboard.type('linus@example.com');
    await page.keyboard.press('Enter');

    await expect
      .poll(() => page.getByTestId('request-result').textContent())
      .toContain('We received your request');
    const stored = await waitUntil(() => harness.service.store.list({ limit: 10 }).then((p) => p.items[0]));
    expect(stored.model).toBe('claude-3-5-sonnet');
  });
});
