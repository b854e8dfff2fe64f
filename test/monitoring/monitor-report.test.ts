import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { ManualClock } from '../../src/core/clock.js';
import { renderDriftReportHtml } from '../../src/monitoring/drift-report-html.js';
import type { MonitorReport } from '../../src/monitoring/monitor-report.js';
import type { Platform } from '../../src/platform.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import {
  registerMonitoredModel,
  servePredictions,
  testClock,
  writeReferenceCsv,
} from './monitoring-fixtures.js';

const hour = 3_600_000;

describeEachDialect('monitor report', (dialect) => {
  let platform: Platform;
  let clock: ManualClock;
  let model: string;
  let reference: string;

  beforeEach(async () => {
    clock = testClock();
    platform = await openTestPlatform(dialect, clock);
    model = await registerMonitoredModel(platform);
    reference = writeReferenceCsv(tempDir());
  });
  afterEach(async () => platform.close());

  it('finds drift on the shifted feature only, over the served window', async () => {
    await servePredictions(platform, `${model}@champion`, 300, { shiftA: 2 });
    const report = await platform.monitoring.reports.report({
      ref: `${model}@champion`,
      windowMs: hour,
      reference,
    });
    expect(report.version).toBe(1);
    expect(report.window.rows).toBe(300);
    const drifted = Object.fromEntries(report.drift.columns.map((c) => [c.name, c.drifted]));
    expect(drifted).toEqual({ a: true, b: false });
    expect(report.quality.rows).toBe(300);
    // Shifted by two standard deviations, some values of a fall beyond the reference's range.
    expect(report.quality.issues.map((i) => `${i.column}:${i.check}`)).toContain('a:out_of_range');
    const html = renderDriftReportHtml(report.drift, { quality: report.quality });
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('Data quality');
  });

  it('compares predictions too when the reference is an earlier window', async () => {
    await servePredictions(platform, `${model}@champion`, 300, { seed: 20 });
    clock.advance(2 * hour);
    await servePredictions(platform, `${model}@champion`, 300, { shiftA: 3, seed: 30 });
    const report = await platform.monitoring.reports.report({
      ref: `${model}@champion`,
      windowMs: hour,
      reference: 'window:-3h..-1h',
    });
    expect(report.reference.rows).toBe(300);
    const byName = new Map(report.drift.columns.map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual([
      'a',
      'b',
      'prediction.label',
      'prediction.proba.stay',
      'prediction.proba.churn',
    ]);
    expect(byName.get('a')?.drifted).toBe(true);
    expect(byName.get('b')?.drifted).toBe(false);
    // The classifier's label follows a, so its distribution moves with it.
    expect(byName.get('prediction.label')?.drifted).toBe(true);
  });

  it('reads only the resolved version unless asked for all versions', async () => {
    await servePredictions(platform, `${model}/1`, 100);
    const { runId } = await import('../registry/model-factories.js').then((m) =>
      m.trainedRun(platform, { files: undefined }),
    );
    await platform.registry.versions.create({ name: model, source: `runs:/${runId}/model` });
    await platform.registry.aliases.set(model, 'champion', 2);
    await servePredictions(platform, `${model}@champion`, 50, { seed: 40 });
    const own = await platform.monitoring.reports.report({
      ref: `${model}@champion`,
      windowMs: hour,
      reference,
    });
    expect(own.version).toBe(2);
    expect(own.window.rows).toBe(50);
    const all = await platform.monitoring.reports.report({
      ref: `${model}@champion`,
      windowMs: hour,
      reference,
      allVersions: true,
    });
    expect(all.window.rows).toBe(150);
  });

  it('reads a dataset version as the reference', async () => {
    const dataset = `ref-${model}`;
    await platform.data.datasets.add(dataset, reference);
    await servePredictions(platform, `${model}@champion`, 300, { shiftA: 2 });
    const report = await platform.monitoring.reports.report({
      ref: `${model}@champion`,
      windowMs: hour,
      reference: `${dataset}/1`,
    });
    expect(report.reference).toEqual({ description: `dataset ${dataset}/1`, rows: 400 });
    expect(report.drift.columns.filter((c) => c.drifted).map((c) => c.name)).toEqual(['a']);
  });

  it('answers over HTTP with drift, histograms and data quality, refusing server file paths', async () => {
    const dataset = `ref-${model}`;
    await platform.data.datasets.add(dataset, reference);
    await servePredictions(platform, `${model}@champion`, 300, { shiftA: 2 });
    const app = await buildServer(platform, { logger: false });
    try {
      const get = async (query: string) => {
        const response = await app.inject({ url: `/api/v1/models/${model}/monitoring?${query}` });
        return { status: response.statusCode, body: response.json() as MonitorReport & { field?: string } };
      };
      const ok = await get(`alias=champion&window=1h&reference=${dataset}/1`);
      expect(ok.status).toBe(200);
      expect(ok.body.window.rows).toBe(300);
      const a = ok.body.drift.columns.find((c) => c.name === 'a')!;
      expect(a).toMatchObject({ drifted: true, referenceHistogram: { kind: 'bins' } });
      expect(a.currentHistogram.counts.reduce((s, n) => s + n, 0)).toBe(300);
      expect(ok.body.quality.issues.map((i) => i.column)).toContain('a');
      const file = await get(`alias=champion&reference=${encodeURIComponent(reference)}`);
      expect(file.status).toBe(400);
      expect(file.body.field).toBe('reference');
      expect((await get('alias=champion&window=soon')).body.field).toBe('window');
      expect((await app.inject({ url: '/api/v1/models/nope/monitoring' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('asks for --reference when the training data is not a stored dataset version', async () => {
    await servePredictions(platform, `${model}@champion`, 50);
    await expect(
      platform.monitoring.reports.report({ ref: `${model}@champion`, windowMs: hour }),
    ).rejects.toThrow(/churn-train.*pass --reference/);
  });
});
