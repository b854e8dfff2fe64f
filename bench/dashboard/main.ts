/**
 * `npm run bench -- dashboard`: the web dashboard's runs table over one experiment of BENCH_RUNS
 * runs (100,000 by default), in Debian's chromium. The runs are the tracking benchmark's, loaded
 * through mloop's store beside the running server; then, BENCH_ROUNDS times each, the time a user
 * waits from an action until the table shows its answer:
 *   open    navigate to the experiment's page until its first row is drawn;
 *   sort    click the `acc` column until the best run is the first row (server-side ORDER BY);
 *   filter  submit `metrics.acc > 0.5 and params.optimizer = 'adam'` until its newest match is first;
 *   next    click "Next" until the second page is drawn.
 * Prints p50/p90/max per action and writes bench/results/dashboard.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { HttpClient } from '../tracking/http-client.js';
import { populateMloop } from '../tracking/populate-mloop.js';
import { runAccuracy, runSpec } from '../tracking/run-specs.js';
import { startMloop } from '../tracking/servers.js';
import { summarize, type LatencySummary } from '../tracking/stats.js';
import { createExperiment } from '../tracking/tracking-api.js';

const RESULTS_PATH = fileURLToPath(new URL('../results/dashboard.json', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 100_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const FILTER = "metrics.acc > 0.5 and params.optimizer = 'adam'";

if (process.argv.includes('--help')) {
  console.log(
    'npm run bench -- dashboard\n  BENCH_RUNS    runs in the experiment (default 100000)\n  BENCH_ROUNDS  timed repetitions of each action (default 10)\n  MLOOP_TEST_CHROMIUM  the browser (set by the bench script)',
  );
  process.exit(0);
}

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** The run names a correct table shows first: the best `acc`, and the newest filter match. */
function expectedFirstRows(): { best: string; newestMatch: string } {
  let best = 0;
  let newestMatch = -1;
  for (let i = 0; i < runs; i++) {
    if (runAccuracy(i) > runAccuracy(best)) best = i;
    if (runAccuracy(i) > 0.5 && i % 4 === 0) newestMatch = i;
  }
  return { best: runSpec(best).name, newestMatch: runSpec(newestMatch).name };
}

async function timed(samples: number[], action: () => Promise<void>): Promise<void> {
  const start = performance.now();
  await action();
  samples.push(performance.now() - start);
}

/** Waits until the runs table's first row names `run`. */
async function firstRowIs(page: Page, run: string): Promise<void> {
  await page
    .locator('[data-testid=runs-table] tbody tr')
    .first()
    .filter({ hasText: run })
    .waitFor({ timeout: 120_000 });
}

async function main(): Promise<number> {
  const executablePath = process.env.MLOOP_TEST_CHROMIUM;
  if (!executablePath) throw new Error('MLOOP_TEST_CHROMIUM is not set: run `npm run bench -- dashboard`');
  const dataDir = mkdtempSync(join(tmpdir(), 'mloop-bench-dashboard-'));
  const server = await startMloop(dataDir);
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  try {
    const client = new HttpClient(server.url);
    const experimentId = await createExperiment(client, 'dashboard-bench');
    log(`populating ${runs} runs`);
    const populated = await populateMloop('store', { server, client }, experimentId, runs, (done) =>
      log(`  ${done} runs`),
    );
    log(`populated in ${populated.seconds.toFixed(0)} s`);
    const { best, newestMatch } = expectedFirstRows();
    const newest = runSpec(runs - 1).name;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const url = `${server.url}/experiments/${experimentId}`;
    const samples = {
      open: [] as number[],
      sort: [] as number[],
      filter: [] as number[],
      next: [] as number[],
    };

    // One untimed visit warms the server's caches and the browser's, as a user's second visit would.
    await page.goto(url);
    await firstRowIs(page, newest);
    for (let round = 0; round < rounds; round++) {
      await page.goto('about:blank');
      await timed(samples.open, async () => {
        await page.goto(url);
        await firstRowIs(page, newest);
      });
      await timed(samples.next, async () => {
        await page.getByRole('button', { name: /next/i }).click();
        await firstRowIs(page, runSpec(runs - 1 - 50).name);
      });
      await page.goto(url);
      await firstRowIs(page, newest);
      await timed(samples.sort, async () => {
        await page.locator('th').filter({ hasText: /^acc/ }).click();
        await firstRowIs(page, best);
      });
      await page.goto(url);
      await firstRowIs(page, newest);
      await timed(samples.filter, async () => {
        await page.getByLabel('Filter runs').fill(FILTER);
        await page.getByRole('button', { name: 'Search' }).click();
        await firstRowIs(page, newestMatch);
      });
      log(`round ${round + 1}/${rounds}`);
    }

    const summaries = Object.fromEntries(
      Object.entries(samples).map(([action, ms]) => [action, summarize(ms)]),
    ) as Record<keyof typeof samples, LatencySummary>;
    console.log(
      `\nDashboard runs table, ${runs} runs in one experiment, ${rounds} rounds (ms, in chromium):`,
    );
    console.log('action   p50      p90      max');
    for (const [action, s] of Object.entries(summaries)) {
      console.log(
        `${action.padEnd(8)} ${s.p50.toFixed(0).padStart(6)}   ${s.p90.toFixed(0).padStart(6)}   ${s.max.toFixed(0).padStart(6)}`,
      );
    }
    mkdirSync(dirname(RESULTS_PATH), { recursive: true });
    writeFileSync(
      RESULTS_PATH,
      `${JSON.stringify(
        { runs, rounds, filter: FILTER, cpus: cpus().length, populated, results: summaries },
        null,
        1,
      )}\n`,
    );
    console.log('\nresults: bench/results/dashboard.json');
    return 0;
  } finally {
    await browser.close();
    await server.process.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
