import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH, RESULTS_DIR } from './paths.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Messages the page logged as errors and uncaught exceptions: a clean UI has none. */
  errors: string[];
  close(): Promise<void>;
}

export interface BrowserOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
  /** The browser's language (navigator.languages and Accept-Language); en-US unless set. */
  locale?: string;
}

/** Headless Chromium with a fresh profile (own user-data dir, removed on close). */
export async function openBrowser(options: BrowserOptions = {}): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'lkr-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      colorScheme: options.colorScheme ?? 'light',
      locale: options.locale ?? 'en-US',
      reducedMotion: 'reduce',
      timeout: 60_000,
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A failed fetch the UI handles (401, 404, 422) is logged by Chromium as a console error;
    // those are expected answers, not bugs, so only other errors count.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return {
    page,
    context,
    errors,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Full-page screenshot into test/e2e/results/<name>.png (gitignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
