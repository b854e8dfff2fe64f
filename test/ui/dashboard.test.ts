import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readLocalAdminToken } from '../../src/governance/local-admin-token.js';
import { describeWithChromium } from '../helpers/chromium.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { openBrowserPage, type BrowserPage } from './browser-page.js';
import { fillHome, fillServer, type DashboardFixture } from './dashboard-fixture.js';

describeWithChromium('web dashboard in a real browser', () => {
  let server: ServerProcess;
  let browser: BrowserPage;
  let page: Page;
  let fixture: DashboardFixture;
  let home: string;

  beforeAll(async () => {
    home = tempDir('mloop-dashboard-');
    await fillHome(home);
    server = await startServer({ home });
    fixture = await fillServer(server.url, home);
    browser = await openBrowserPage();
    page = browser.page;
  }, 180_000);

  afterAll(async () => {
    await browser?.browser.close();
    await server?.stop();
  });

  const visit = (path: string, ready: string, shot: string) =>
    browser.visit(`${server.url}${path}`, ready, shot);

  it('loads every page without console errors', async () => {
    const [runId] = fixture.sweepRunIds;
    const pages: [string, string, string][] = [
      ['/', '[data-testid=experiments-table] td a', 'experiments'],
      [`/experiments/${fixture.sweepExperimentId}`, '[data-testid=runs-table] tbody tr', 'runs'],
      [`/runs/${runId}`, '[data-testid=line-chart] canvas', 'run'],
      [
        `/compare?runs=${fixture.sweepRunIds.join(',')}`,
        '[data-testid=parallel-coordinates] polyline',
        'compare',
      ],
      ['/models', '[data-testid=models-table] td a', 'models'],
      ['/models/churn', '[data-testid=history-table] tbody tr', 'model'],
      ['/models/churn/versions/1', '[data-testid=lineage-graph] .lineage-node.run a', 'model-version'],
      ['/datasets', '[data-testid=datasets-table] td a', 'datasets'],
      ['/datasets/customers', '[data-testid=column-profiles] svg rect', 'dataset'],
      ['/pipelines', '[data-testid=pipelines-table] td a', 'pipelines'],
      ['/pipelines/nightly', '[data-testid=pipeline-runs-table] td a', 'pipeline'],
      [
        `/pipeline-runs/${fixture.pipelineRunId}`,
        '[data-testid=pipeline-dag] [data-step=report]',
        'pipeline-run',
      ],
      ['/deployments', '[data-testid=deployments-table] td a', 'deployments'],
      ['/deployments/churn-live', '[data-testid=arm-stats] tbody tr', 'deployment'],
      ['/predictions', '[data-testid=predictions-table] td a', 'predictions'],
      [`/predictions/${fixture.predictionId}`, '[data-testid=lineage-graph]', 'prediction'],
      ['/monitoring?model=churn', '[data-testid=accuracy-chart] canvas', 'monitoring'],
      ['/audit', '[data-testid=audit-verify]', 'audit'],
    ];
    for (const [path, ready, shot] of pages) await visit(path, ready, shot);
  }, 120_000);

  it('narrows the runs table with a filter in the search grammar, paged and sorted by the server', async () => {
    await page.goto(`${server.url}/experiments/${fixture.sweepExperimentId}`);
    const rows = page.locator('[data-testid=runs-table] tbody tr');
    await expect.poll(() => rows.count()).toBe(6);
    await page.getByLabel('Filter runs').fill("params.depth = '6' and metrics.accuracy > 0.85");
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('filter')).toContain('params.depth');
    // Sorted by the server on the metric column: accuracy ascending puts trial-4 first.
    await page.locator('th', { hasText: 'accuracy' }).click();
    await page.locator('th', { hasText: 'accuracy' }).click();
    await expect.poll(() => rows.first().locator('td').nth(1).textContent()).toBe('trial-4');
    await browser.shoot('runs-filtered');

    await page.getByLabel('Filter runs').fill('metrics.nope <');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/filter/i);
  }, 60_000);

  it('draws metric charts with data for one run and for several', async () => {
    await page.goto(`${server.url}/runs/${fixture.sweepRunIds[0]}`);
    const chart = page.locator('.chart-grid > div', { has: page.locator('h3', { hasText: 'loss' }) });
    await chart.locator('canvas').waitFor();
    // uPlot's legend shows one entry per series; the canvas has a drawn size.
    const box = await chart.locator('canvas').boundingBox();
    expect(box?.width).toBeGreaterThan(100);
    expect(await chart.locator('.u-legend').textContent()).toContain('loss');
    // accuracy was logged at one step: a value in the metrics table, not a chart of one point.
    expect(await page.locator('.chart-grid h3').allTextContents()).toEqual(['loss']);
    expect(await page.locator('[data-testid=run-metrics]').textContent()).toContain('accuracy');
    // A run with only single values (the trained model's scores) draws no chart at all.
    await page.goto(`${server.url}/runs/${fixture.trainRunId}`);
    await page.locator('[data-testid=no-metric-series]').waitFor();
    expect(await page.locator('[data-testid=run-metrics] tr').count()).toBeGreaterThan(1);
    expect(await page.locator('[data-testid=line-chart]').count()).toBe(0);

    await page.goto(`${server.url}/compare?runs=${fixture.sweepRunIds.join(',')}`);
    await page.locator('[data-testid=line-chart] canvas').waitFor();
    const legend = await page.locator('[data-testid=line-chart] .u-legend').textContent();
    for (let i = 0; i < 6; i++) expect(legend).toContain(`trial-${i}`);
    expect(await page.locator('[data-testid=parallel-coordinates] polyline').count()).toBe(6);
  }, 60_000);

  it("draws accuracy over the hours it has, and names the drift histograms' two series", async () => {
    await page.goto(`${server.url}/monitoring?model=churn`);
    const chart = page.locator('[data-testid=accuracy-chart]');
    await chart.locator('canvas').waitFor();
    // One labelled window: the time axis spans hours around it (uPlot alone made it 1000 days).
    const range = async (key: string) => Number(await chart.getAttribute(`data-${key}`));
    const now = Date.now() / 1000;
    expect(await range('x-min')).toBeLessThanOrEqual(now);
    expect(await range('x-max')).toBeGreaterThan(now - 3600);
    expect((await range('x-max')) - (await range('x-min'))).toBeLessThanOrEqual(86_400);
    expect([await range('y-min'), await range('y-max')]).toEqual([0, 1]);
    const legend = await page.locator('[data-testid=histogram-legend]').textContent();
    expect(legend).toMatch(/reference.*current \(last \w+\)/);
    await browser.shoot('monitoring-axes');
  }, 60_000);

  it('lists experiments with run counts and creation times, and names the experiment of a run', async () => {
    await page.goto(`${server.url}/`);
    const row = (name: string) =>
      page.locator('[data-testid=experiments-table] tbody tr', {
        has: page.locator('td:first-child', { hasText: new RegExp(`^${name}$`) }),
      });
    const cells = async (name: string) => row(name).locator('td').allTextContents();
    await row('sweep').waitFor();
    const headers = await page.locator('[data-testid=experiments-table] th').allTextContents();
    const column = (title: string) => headers.indexOf(title);
    expect((await cells('sweep'))[column('Runs')]).toBe('6');
    expect((await cells('churn'))[column('Runs')]).toBe('1');
    // The Default experiment was created with the store, not in 1970.
    expect((await cells('Default'))[column('Created')]).toMatch(
      new RegExp(`^${new Date().getUTCFullYear()}-`),
    );
    await browser.shoot('experiments-counts');

    await page.goto(`${server.url}/runs/${fixture.sweepRunIds[0]}`);
    const crumb = page.locator('h1 a', { hasText: 'sweep' });
    await crumb.waitFor();
    expect(await crumb.getAttribute('href')).toBe(`/experiments/${fixture.sweepExperimentId}`);
  }, 60_000);

  it('opens the links the mlflow client prints (/#/experiments/ID/runs/RUN) on the pages they name', async () => {
    const [runId, otherRunId] = fixture.sweepRunIds as [string, string];
    const experiment = fixture.sweepExperimentId;
    const path = () => new URL(page.url()).pathname;
    await page.goto(`${server.url}/#/experiments/${experiment}/runs/${runId}`);
    await page.locator('h1', { hasText: 'trial-0' }).waitFor();
    expect([path(), new URL(page.url()).hash]).toEqual([`/runs/${runId}`, '']);

    await page.goto(`${server.url}/#/experiments/${experiment}`);
    await expect.poll(() => page.locator('[data-testid=runs-table] tbody tr').count()).toBe(6);
    expect(path()).toBe(`/experiments/${experiment}`);

    await page.goto(`${server.url}/#/models/churn/versions/1`);
    await page.locator('[data-testid=lineage-graph]').waitFor();
    expect(path()).toBe('/models/churn/versions/1');

    // Pasted into an open dashboard, only the hash changes.
    await page.evaluate(
      (hash) => (window.location.hash = hash),
      `#/experiments/${experiment}/runs/${otherRunId}`,
    );
    await page.locator('h1', { hasText: 'trial-1' }).waitFor();
    expect(path()).toBe(`/runs/${otherRunId}`);
  }, 60_000);

  it("charts a deployment's last hour per minute, p99 latency on a millisecond axis", async () => {
    const predict = await fetch(`${server.url}/api/v1/deployments/churn-live/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ x1: 2, x2: 3 }] }),
    });
    expect(predict.status).toBe(200);
    const { minutes } = (await (
      await fetch(`${server.url}/api/v1/deployments/churn-live/stats/minutes`)
    ).json()) as { minutes: { arm: string; p99LatencyMs: number }[] };
    const p99 = Math.max(...minutes.filter((m) => m.arm === 'primary').map((m) => m.p99LatencyMs));
    expect(p99).toBeGreaterThan(0);

    await page.goto(`${server.url}/deployments/churn-live`);
    const chart = page.locator('[data-testid=latency-chart]');
    await chart.locator('canvas').waitFor();
    const range = async (key: string) => Number(await chart.getAttribute(`data-${key}`));
    // The time axis is the last hour (not the seconds since the page opened) ...
    expect((await range('x-max')) - (await range('x-min'))).toBeCloseTo(3600);
    expect(Math.abs((await range('x-max')) - Date.now() / 1000)).toBeLessThan(60);
    // ... and the latency axis runs from 0 ms past the slowest minute's p99, without dwarfing it.
    expect(await range('y-min')).toBe(0);
    expect(await range('y-max')).toBeGreaterThanOrEqual(p99);
    expect(await range('y-max')).toBeLessThanOrEqual(Math.max(2 * p99, 2));
    expect(await chart.locator('.u-legend').textContent()).toContain('primary');
    const primary = page.locator('[data-testid=arm-stats] tbody tr', { hasText: 'primary' });
    expect(await primary.locator('td').last().textContent()).toMatch(/^[\d.]+ ms$/);
    await browser.shoot('deployment-per-minute');
  }, 60_000);

  it("lists pipelines with their triggers and their last run's status", async () => {
    // Declared but never run: its triggers are listed, and that it never ran.
    const yaml = `name: refresh
triggers:
  cron: "0 3 1 1 *"
  datasets: [customers]
  alerts: [{rule: churn-drift}]
steps:
  fit:
    command: echo fitting
`;
    // Registering code that runs needs an admin, the server's own local token.
    const registered = await fetch(`${server.url}/api/v1/pipelines`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${String(readLocalAdminToken(home))}`,
      },
      body: JSON.stringify({ yaml }),
    });
    expect(registered.status).toBe(201);
    await page.goto(`${server.url}/pipelines`);
    const row = (name: string) =>
      page.locator('[data-testid=pipelines-table] tbody tr', {
        has: page.locator(`a[href="/pipelines/${name}"]`),
      });
    await row('refresh').waitFor();
    const headers = await page.locator('[data-testid=pipelines-table] th').allTextContents();
    const cell = (name: string, title: string) => row(name).locator('td').nth(headers.indexOf(title));
    expect(await cell('refresh', 'Triggers').textContent()).toBe(
      'cron 0 3 1 1 * · dataset customers · alert churn-drift',
    );
    expect(await cell('refresh', 'Last run').textContent()).toBe('never run');
    // The fixture's nightly pipeline ran by hand to the end: its status links to that run.
    expect(await cell('nightly', 'Triggers').textContent()).toBe('manual only');
    expect(await cell('nightly', 'Last run').textContent()).toMatch(/^SUCCEEDED .* · manual$/);
    expect(await cell('nightly', 'Last run').locator('a').getAttribute('href')).toBe(
      `/pipeline-runs/${fixture.pipelineRunId}`,
    );
    await browser.shoot('pipelines-triggers');
  }, 60_000);

  it('follows lineage from a prediction to its training run and its dataset', async () => {
    const openPrediction = async () => {
      await page.goto(`${server.url}/predictions`);
      await page.locator(`a[href="/predictions/${fixture.predictionId}"]`).click();
      await page.locator('[data-testid=lineage-graph] .lineage-node.model').waitFor();
    };
    // Prediction → training run → the dataset version the run read.
    await openPrediction();
    await page.locator('[data-testid=lineage-graph] .lineage-node.run a').click();
    await page.waitForURL(`**/runs/${fixture.trainRunId}`);
    await page.locator('[data-testid=run-datasets] a', { hasText: 'customers' }).click();
    await page.waitForURL('**/datasets/customers?version=2');
    await page.locator('[data-testid=column-profiles] strong').first().waitFor();
    expect(await page.locator('[data-testid=column-profiles] strong').allTextContents()).toEqual(
      expect.arrayContaining(['x1', 'x2', 'label']),
    );
    await browser.shoot('lineage-run-dataset');

    // Prediction → dataset directly: the model's lineage names the version by digest.
    await openPrediction();
    await page.locator('[data-testid=lineage-graph] .lineage-node.dataset a').click();
    await page.waitForURL('**/datasets/customers?digest=*');
    await page.getByRole('heading', { name: 'Version 2: schema and profile' }).waitFor();
    await browser.shoot('lineage-dataset');
  }, 60_000);

  it("draws a pipeline run's DAG with each step's status and shows a step's log", async () => {
    await page.goto(`${server.url}/pipeline-runs/${fixture.pipelineRunId}`);
    const dag = page.locator('[data-testid=pipeline-dag]');
    await dag.locator('[data-step=train]').waitFor();
    expect(await dag.locator('g[data-step]').count()).toBe(3);
    expect(await dag.locator('line').count()).toBe(2);
    expect(await dag.locator('[data-step=train]').textContent()).toContain('succeeded');
    await dag.locator('[data-step=train]').click();
    await expect.poll(() => page.locator('[data-testid=step-log]').textContent()).toContain('training model');
    await browser.shoot('pipeline-run-log');
  }, 60_000);

  it('serves client routes as the page, and API paths as JSON 404s', async () => {
    const html = await fetch(`${server.url}/models/churn`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<div id="root">');
    const api = await fetch(`${server.url}/api/v1/no-such-thing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    // Only files of the build are served, whatever the escaping.
    const outside = await fetch(`${server.url}/assets/%2e%2e%2f%2e%2e%2fpackage.json`);
    expect(outside.status).toBe(404);
  });
});
