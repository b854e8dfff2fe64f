import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithChromium } from '../helpers/chromium.js';
import { describeWithPython, runPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { openBrowserPage, type BrowserPage } from './browser-page.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

// A trace as an application records it with the real mlflow client: a traced function with two
// nested spans, inside a run; the script prints the ids the dashboard is then opened at.
const traceScript = `
import json, sys, mlflow
mlflow.set_tracking_uri(sys.argv[1])
experiment = mlflow.set_experiment("traced-app")

@mlflow.trace(span_type="CHAIN")
def answer(question):
    with mlflow.start_span(name="retrieve", span_type="RETRIEVER") as span:
        span.set_inputs({"query": question})
        with mlflow.start_span(name="rank") as inner:
            inner.set_outputs([3, 1])
        span.set_outputs({"documents": ["mloop stores traces"]})
    return {"answer": "yes"}

with mlflow.start_run() as run:
    answer("does mloop keep traces?")
trace_id = mlflow.get_last_active_trace_id()
mlflow.flush_trace_async_logging()
print(json.dumps({"experiment": experiment.experiment_id, "run": run.info.run_id, "trace": trace_id}))
`;

describeWithPython('traces in the dashboard', () => {
  describeWithChromium('in a real browser', () => {
    let server: ServerProcess;
    let browser: BrowserPage;
    let ids: { experiment: string; run: string; trace: string };

    beforeAll(async () => {
      server = await startServer();
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MLFLOW_')));
      const result = await runPython(['-c', traceScript, server.url], {
        cwd: REPO,
        env: { ...env, GIT_PYTHON_REFRESH: 'quiet', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
        timeoutMs: 120_000,
      });
      expect(result.code, result.output).toBe(0);
      expect(result.output).not.toContain('Failed to send trace');
      ids = JSON.parse(
        result.output
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .pop() ?? '{}',
      );
      browser = await openBrowserPage();
    }, 180_000);
    afterAll(async () => {
      await browser?.browser.close();
      await server?.stop();
    });

    it("lists an experiment's traces with time, name, request, status, duration and run", async () => {
      const { page } = browser;
      const row = `[data-testid=traces-table] tr[data-trace-id="${ids.trace}"]`;
      await browser.visit(`${server.url}/experiments/${ids.experiment}/traces`, row, 'traces-list');
      const cells = await page.locator(`${row} td`).allInnerTexts();
      expect(cells[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(cells[1]).toBe('answer');
      expect(cells[2]).toContain('does mloop keep traces?');
      expect(cells[3]).toBe('OK');
      expect(cells[4]).toMatch(/\d+(\.\d)? m?s$/);
      expect(cells[5]).toBe(ids.run.slice(0, 8));
      expect(await page.locator(`${row} td a[href="/runs/${ids.run}"]`).count()).toBe(1);
    });

    it('opens a trace as its span tree, each span with its duration, inputs, outputs and attributes', async () => {
      const { page } = browser;
      await page.locator(`[data-testid=traces-table] tr[data-trace-id="${ids.trace}"] td a`).first().click();
      const tree = page.locator('[data-testid=span-tree] li');
      await tree.first().waitFor({ timeout: 15_000 });
      await page.waitForLoadState('networkidle');
      await browser.shoot('trace-spans');
      expect(browser.consoleErrors).toEqual([]);
      expect(await tree.evaluateAll((items) => items.map((li) => li.getAttribute('data-span-name')))).toEqual(
        ['answer', 'retrieve', 'rank'],
      );
      // Nesting: each child is indented one step further than its parent.
      const indents = await tree.evaluateAll((items) =>
        items.map((li) => (li as HTMLElement).style.paddingLeft),
      );
      expect(indents).toEqual(['0px', '16px', '32px']);
      for (const text of await tree.allInnerTexts()) expect(text).toMatch(/\d+(\.\d)? m?s$/);

      // The root span is open first: the function's arguments and return value.
      expect(await page.locator('[data-testid=span-inputs]').innerText()).toContain(
        'does mloop keep traces?',
      );
      expect(await page.locator('[data-testid=span-outputs]').innerText()).toContain('"answer": "yes"');
      await page.locator('[data-testid=span-tree] li[data-span-name=retrieve] button').click();
      await page.locator('[data-testid=span-detail] h3', { hasText: 'retrieve' }).waitFor();
      expect(await page.locator('[data-testid=span-inputs]').innerText()).toContain('"query"');
      expect(await page.locator('[data-testid=span-outputs]').innerText()).toContain('mloop stores traces');
      expect(await page.locator('[data-testid=span-detail] table.kv').innerText()).toContain(
        'mlflow.spanLogLevel',
      );
    });
  });
});
