/**
 * The whole demo (broker, mock-esia, mock-journal on free ports) and Debian's Chromium for one test
 * file: started before its tests, stopped after them. Pages are phone-sized; screenshots go to
 * `$SCREENSHOT_DIR` (default a temporary folder) for people to look at.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../core/listen.ts';
import { startDemoStack, type DemoStack } from '../../scripts/demo-stack.ts';
import { launchBrowser } from './browser.ts';

/** A phone: a narrow screen, touch, Russian locale. */
export const PHONE = { viewport: { width: 390, height: 844 }, locale: 'ru-RU', isMobile: true, hasTouch: true };

export interface DemoInChromium {
  readonly stack: DemoStack;
  readonly browser: Browser;
  /** Saves a full-page screenshot and checks that nothing scrolls sideways. */
  shot(page: Page, name: string): Promise<void>;
}

/** Registers the file's beforeAll/afterAll; `shotsPrefix` names the temporary screenshot folder. */
export function useDemoInChromium(shotsPrefix: string): DemoInChromium {
  const shots = process.env.SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), shotsPrefix));
  mkdirSync(shots, { recursive: true });
  let stack: DemoStack | undefined;
  let launched: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  beforeAll(async () => {
    stack = await startDemoStack({ ports: { broker: await freePort(), esia: await freePort(), journal: await freePort() } });
    launched = await launchBrowser();
  });
  afterAll(async () => {
    await launched?.close();
    await stack?.close();
  });
  return {
    get stack() {
      return stack!;
    },
    get browser() {
      return launched!.browser;
    },
    async shot(page, name) {
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    },
  };
}
