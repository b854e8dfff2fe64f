import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import type { Evaluation } from '../../src/monitoring/alerts/types.js';
import type { MonitorReport } from '../../src/monitoring/monitor-report.js';
import { openPlatform } from '../../src/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { registerMonitoredModel, servePredictions, writeReferenceCsv } from './monitoring-fixtures.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (cwd: string, args: string[]) => runMloop(cwd, args, { home: join(cwd, '.mloop') });

describe('mloop monitor', () => {
  const dir = tempDir();
  let model: string;
  let reference: string;

  beforeAll(async () => {
    // The embedded store the CLI opens (./.mloop), with served predictions whose `a` shifted.
    const platform = await openPlatform(loadConfig({}, {}, dir));
    try {
      model = await registerMonitoredModel(platform);
      await servePredictions(platform, `${model}@champion`, 300, { shiftA: 2 });
    } finally {
      await platform.close();
    }
    reference = writeReferenceCsv(dir);
  });

  it('report prints the drift and quality tables and writes HTML with an SVG histogram per feature', async () => {
    const result = await mloop(dir, [
      'monitor',
      'report',
      `${model}@champion`,
      '--window',
      '1h',
      '--reference',
      reference,
      '--html',
      'report.html',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^a\s+numeric\s+.*yes$/m);
    expect(result.stdout).toMatch(/^b\s+numeric\s+.*no$/m);
    expect(result.stdout).toContain('FEATURE');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('aria-label="Histogram of a: reference and current"');
    expect(html).toContain('aria-label="Histogram of b: reference and current"');
    expect(html).toContain('Data quality');
    expect(html).not.toMatch(/(src|href)="http/);
  });

  it('report --json and --fail-on-drift', async () => {
    const result = await mloop(dir, [
      'monitor',
      'report',
      `${model}@champion`,
      '--reference',
      reference,
      '--json',
      '--fail-on-drift',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as MonitorReport;
    expect(report.window.rows).toBe(300);
    expect(report.drift.columns.filter((c) => c.drifted).map((c) => c.name)).toEqual(['a']);
  });

  it('exits 4 for an unknown model and 3 for a bad window, saying what to do', async () => {
    const unknown = await mloop(dir, ['monitor', 'report', 'nobody@champion', '--reference', reference]);
    expect(unknown.code).toBe(4);
    const window = await mloop(dir, ['monitor', 'report', `${model}@champion`, '--window', '60']);
    expect(window.code).toBe(3);
    expect(window.stderr).toMatch(/--window must be a length of time like 15m/);
    const training = await mloop(dir, ['monitor', 'report', `${model}@champion`]);
    expect(training.stderr).toMatch(/pass --reference/);
  });

  it('alerts: add a rule, evaluate it, list the alert', async () => {
    const add = await mloop(dir, [
      'monitor',
      'alerts',
      'rules',
      'add',
      'cli-drift',
      '--model',
      `${model}@champion`,
      '--kind',
      'drift_share',
      '--threshold',
      '0.3',
      '--window',
      '1h',
      '--reference',
      reference,
    ]);
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('Created alert rule cli-drift');
    const evaluate = await mloop(dir, ['monitor', 'alerts', 'evaluate', '--json', '--fail-on-alert']);
    expect(evaluate.code).toBe(1);
    const [evaluation] = JSON.parse(evaluate.stdout) as Evaluation[];
    expect(evaluation).toMatchObject({ rule: 'cli-drift', outcome: 'fired', value: 0.5 });
    const list = await mloop(dir, ['monitor', 'alerts', 'list', '--rule', 'cli-drift']);
    expect(list.stdout).toMatch(/cli-drift\s+\S+\s+firing/);
    const bad = await mloop(dir, [
      'monitor',
      'alerts',
      'rules',
      'add',
      'x',
      '--model',
      `${model}@champion`,
      '--kind',
      'drift_share',
      '--threshold',
      '3',
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/threshold/);
    const rm = await mloop(dir, ['monitor', 'alerts', 'rules', 'rm', 'nope']);
    expect(rm.code).toBe(4);
    expect(rm.stderr).toContain('mloop monitor alerts rules list');
  });
});
