import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { chromiumPath } from '../helpers/chromium.js';

// Git-ignored; kept after the run so a reviewer can look at every page.
export const screenshots = resolve('test-results/screenshots');

export interface BrowserPage {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught page errors since the last `visit`. */
  consoleErrors: string[];
  /** Opens `url`, waits for `ready` and the network to settle, saves `shot`.png, asserts no console error. */
  visit(url: string, ready: string, shot: string): Promise<void>;
  shoot(shot: string): Promise<void>;
}

/** Debian's chromium, headless, with one page that records console errors. */
export async function openBrowserPage(): Promise<BrowserPage> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  mkdirSync(screenshots, { recursive: true });
  console.log(`dashboard screenshots: ${screenshots}`);
  const shoot = async (shot: string) => {
    await page.screenshot({ path: join(screenshots, `${shot}.png`), fullPage: true });
  };
  return {
    browser,
    page,
    consoleErrors,
    shoot,
    async visit(url, ready, shot) {
      consoleErrors.length = 0;
      await page.goto(url);
      await page.locator(ready).first().waitFor({ timeout: 15_000 });
      await page.waitForLoadState('networkidle');
      await shoot(shot);
      expect(consoleErrors, `console errors on ${url}`).toEqual([]);
    },
  };
}
