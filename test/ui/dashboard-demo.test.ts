import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../examples/closed-loop/demo-server.js';
import { runClosedLoop, type StoryEvent } from '../../examples/closed-loop/loop.js';
import { describeWithChromium } from '../helpers/chromium.js';
import { tempDir } from '../helpers/tmp.js';
import { openBrowserPage, type BrowserPage } from './browser-page.js';
import { CLI } from '../helpers/cli.js';

// The dashboard over what the closed-loop demo leaves behind: two model versions with gate reports,
// a deployment that rolled out a canary, drift and accuracy alerts, the retraining pipeline's run.
describeWithChromium('web dashboard over the closed-loop demo', () => {
  let server: DemoServer;
  let story: StoryEvent[];
  let browser: BrowserPage;
  let page: Page;
  const fact = (step: string, name: string) => [...story].reverse().find((e) => e.step === step)?.facts[name];

  beforeAll(async () => {
    const home = tempDir('mloop-dashboard-demo-');
    server = await startDemoServer(home, [process.execPath, CLI]);
    story = await runClosedLoop({ url: server.url, home, workDir: join(home, 'data') });
    browser = await openBrowserPage();
    page = browser.page;
  }, 240_000);

  afterAll(async () => {
    await browser?.browser.close();
    await server?.stop();
  });

  const visit = (path: string, ready: string, shot: string) =>
    browser.visit(`${server.url}${path}`, ready, shot);

  it('shows every page of the demo without console errors', async () => {
    await visit('/models/churn', '[data-testid=history-table] tbody tr', 'demo-model');
    expect(await page.locator('[data-testid=versions-table] tbody tr').count()).toBe(2);
    await visit('/models/churn/versions/2', '.gate strong.ok', 'demo-model-version');
    expect(await page.locator('.gate li.bad').count()).toBe(0);
    await visit('/datasets/churn-train', '[data-testid=column-profiles] svg rect', 'demo-dataset');
    await visit('/deployments/churn', '[data-testid=events-table] tbody tr', 'demo-deployment');
    expect(await page.locator('[data-testid=events-table]').textContent()).toContain('completed');
    await visit(
      `/pipeline-runs/${String(fact('retrain', 'pipelineRunId'))}`,
      '[data-testid=pipeline-dag] [data-step=canary]',
      'demo-pipeline-run',
    );
    expect(await page.locator('[data-testid=pipeline-dag] g[data-step]').count()).toBe(4);
    await visit('/pipelines/churn-retrain', '[data-testid=pipeline-runs-table] td a', 'demo-pipeline');
    expect(await page.locator('[data-testid=pipeline-runs-table]').textContent()).toMatch(
      /alert: churn-(accuracy|drift)/,
    );
    await visit('/audit', '[data-testid=audit-verify]', 'demo-audit');
  }, 120_000);

  it('shows drift per feature with histograms, accuracy over time and the alerts that fired', async () => {
    await visit('/monitoring?model=churn', '[data-testid=drift-table] tbody tr svg', 'demo-monitoring');
    browser.consoleErrors.length = 0;
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/performance?')),
      page.getByLabel('Window length').selectOption('1m'),
    ]);
    expect(answer.status()).toBe(200);
    await page.locator('[data-testid=accuracy-chart] canvas').waitFor();
    await browser.shoot('demo-monitoring-1m');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(browser.consoleErrors).toEqual([]);
    const alerts = await page.locator('[data-testid=alerts-table]').textContent();
    for (const rule of fact('alert', 'rules') as string[]) expect(alerts).toContain(rule);
    expect(await page.locator('[data-testid=drift-table] tbody tr').count()).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('follows a prediction of the retrained model to the dataset version its labels became', async () => {
    await visit('/predictions', '[data-testid=predictions-table] td a', 'demo-predictions');
    // Newest first: the rollout's last requests, served by the retrained version.
    await page
      .locator('[data-testid=predictions-table] tbody tr', { hasText: 'churn v2' })
      .first()
      .locator('a[href^="/predictions/"]')
      .click();
    await page.locator('[data-testid=lineage-graph] .lineage-node.dataset a').first().waitFor();
    // The retrained version came from the pipeline run the alert started, and from committed code.
    const pipelineRun = page.locator('[data-testid=lineage-graph] .lineage-node.pipeline a');
    await pipelineRun.waitFor();
    expect(await pipelineRun.getAttribute('href')).toBe(
      `/pipeline-runs/${String(fact('retrain', 'pipelineRunId'))}`,
    );
    expect(await page.locator('[data-testid=lineage-graph] .lineage-node.code').textContent()).toMatch(
      /^[0-9a-f]{10}/,
    );
    await browser.shoot('demo-prediction');
    await page.locator('[data-testid=lineage-graph] .lineage-node.dataset a').first().click();
    await page.waitForURL('**/datasets/churn-train?*');
    // The retrained version learnt from churn-train/2, the labelled predictions the pipeline collected.
    await page.getByRole('heading', { name: /^Version 2:/ }).waitFor();
    await page.locator('[data-testid=column-profiles] strong').first().waitFor();
    expect(await page.locator('[data-testid=column-profiles] strong').allTextContents()).toEqual(
      expect.arrayContaining(['monthly_charges', 'churned']),
    );
    await browser.shoot('demo-prediction-dataset');
  }, 60_000);
});
