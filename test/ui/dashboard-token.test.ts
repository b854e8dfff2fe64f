import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { describeWithChromium } from '../helpers/chromium.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { openBrowserPage, type BrowserPage } from './browser-page.js';

describeWithChromium('the dashboard on a server that requires tokens', () => {
  let server: ServerProcess;
  let browser: BrowserPage;
  let secret: string;

  beforeAll(async () => {
    const home = tempDir('mloop-dashboard-token-');
    const platform = await openPlatform(loadConfig({ home }, {}));
    await platform.registry.models.create({ name: 'churn' });
    await platform.governance.projects.setMember('default', 'ana', 'viewer');
    secret = (await platform.governance.tokens.create({ name: 'ana-browser', user: 'ana' })).secret;
    await platform.close();
    server = await startServer({ home, args: ['--auth', 'on'] });
    browser = await openBrowserPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.browser.close();
    await server?.stop();
  });

  it('asks for a token once, then shows the data and keeps it across visits', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/models`);
    const form = page.locator('[data-testid=token-form]');
    await form.waitFor({ timeout: 15_000 });
    await page.getByLabel('API token').fill(secret);
    await page.getByRole('button', { name: 'Use token' }).click();
    const model = page.locator('[data-testid=models-table] td a', { hasText: 'churn' });
    await model.waitFor({ timeout: 15_000 });
    // Another visit, in the same browser, asks nothing.
    await page.goto(`${server.url}/models`);
    await model.waitFor({ timeout: 15_000 });
    expect(await form.count()).toBe(0);
  });
});
