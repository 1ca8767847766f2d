import { type Harness, type HarnessOptions, startHarness } from '../../support/service-harness.js';
import { type Browser, openBrowser } from './browser.js';
import { E2E_CONFIG } from './e2e-config.js';

export interface SessionOptions extends HarnessOptions {
  viewport?: { width: number; height: number };
  dark?: boolean;
  locale?: string;
}

/** A real service plus a fresh browser per test; `closeAll()` (in afterEach) closes them
 * in reverse order of opening: browser first, then the service. */
export function createSessions() {
  const opened: { close(): Promise<void> }[] = [];
  return {
    /** Tracks something else the test opened, to be closed with the rest. */
    track<T extends { close(): Promise<void> }>(resource: T): T {
      opened.push(resource);
      return resource;
    },
    async start({ viewport, dark, locale, ...harnessOptions }: SessionOptions = {}): Promise<{
      harness: Harness;
      browser: Browser;
    }> {
      const harness = await startHarness({ configYaml: E2E_CONFIG, ...harnessOptions });
      opened.push(harness);
      const browser = await openBrowser({
        ...(viewport ? { viewport } : {}),
        colorScheme: dark ? 'dark' : 'light',
        ...(locale ? { locale } : {}),
      });
      opened.push(browser);
      return { harness, browser };
    },
    async closeAll(): Promise<void> {
      for (const resource of opened.reverse()) {
        await resource.close();
      }
      opened.length = 0;
    },
  };
}
