import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { tempDir } from '../helpers/tmp.js';
import type { PerformanceReport } from '../../src/monitoring/performance/performance-report.js';
import { makeOnnxModels, registerOnnxModels } from '../serving/onnx-models.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args);

describeWithPython('mloop feedback and mloop monitor performance', () => {
  let home: string;
  let predictions: Array<{ id: string; label?: string | number }>;

  beforeAll(async () => {
    home = tempDir('mloop-feedback-cli-');
    const models = makeOnnxModels();
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    try {
      await registerOnnxModels(platform, models, 'iris', ['columns-v1']);
      await platform.registry.aliases.set('iris', 'champion', 1);
      predictions = (
        await platform.serving.predictions.predict({ ref: 'iris@champion', records: models.expected.rows })
      ).predictions;
    } finally {
      await platform.close(); // writes the prediction log
    }
  }, 120_000);

  it('adds labels from a CSV file, reports performance, and exports the labelled rows as a dataset', async () => {
    // Ten of twelve labelled; the first two wrong.
    const lines = predictions
      .slice(0, 10)
      .map((p, i) => `${p.id},${i < 2 ? (p.label === 'setosa' ? 'virginica' : 'setosa') : p.label}`);
    writeFileSync(join(home, 'labels.csv'), `prediction_id,label\n${lines.join('\n')}\n`);
    const added = await mloop(home, ['feedback', 'add', 'labels.csv', '--json']);
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout)).toMatchObject({ rows: 10, created: 10, updated: 0, unchanged: 0 });

    const again = await mloop(home, ['feedback', 'add', 'labels.csv', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 10, created: 0, unchanged: 10 });

    const report = await mloop(home, ['monitor', 'performance', 'iris@champion', '--since', '1d', '--json']);
    expect(report.code).toBe(0);
    const [group] = (JSON.parse(report.stdout) as PerformanceReport).overall;
    expect(group).toMatchObject({ version: 1, predictions: 12, labelled: 10 });
    expect(group!.classification!.accuracy).toBeCloseTo(0.8, 12);

    const table = await mloop(home, ['monitor', 'performance', 'iris', '--since', '1d', '--window', '1h']);
    expect(table.stdout).toMatch(/WINDOW\s+VERSION\s+N\s+LABELLED\s+COVERAGE\s+ACCURACY\s+F1\s+AUC/);
    expect(table.stdout).toContain('83.3%');

    const exported = await mloop(home, [
      'feedback',
      'export',
      'iris',
      '--since',
      '1d',
      '--output',
      'labelled.parquet',
      '--dataset',
      'iris-labelled',
      '--json',
    ]);
    expect(exported.stderr).toBe('');
    const summary = JSON.parse(exported.stdout) as { columns: string[] };
    expect(summary).toMatchObject({
      rows: 10,
      dataset: { name: 'iris-labelled', version: 1, created: true },
    });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT label, prediction_id, model_version, petal_count FROM '${join(home, 'labelled.parquet')}' ORDER BY prediction_time, prediction_id`,
      )
    ).getRowObjectsJson();
    connection.closeSync();
    instance.closeSync();
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.prediction_id))).toEqual(
      new Set(predictions.slice(0, 10).map((p) => p.id)),
    );
    expect(summary.columns).toEqual([
      'sepal_length',
      'sepal_width',
      'petal_length',
      'petal_width',
      'petal_count',
      'label',
      'prediction_id',
      'model_version',
      'prediction_time',
    ]);
  }, 120_000);

  it('names the row of a bad label and exits with the not-found code', async () => {
    writeFileSync(
      join(home, 'bad.csv'),
      `prediction_id,label\n${predictions[10]!.id},setosa\npred_missing,setosa\n`,
    );
    const result = await mloop(home, ['feedback', 'add', 'bad.csv']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('bad.csv row 2 (prediction_id)');
    writeFileSync(join(home, 'daisy.csv'), `prediction_id,label\n${predictions[10]!.id},daisy\n`);
    const daisy = await mloop(home, ['feedback', 'add', 'daisy.csv']);
    expect(daisy.code).toBe(3);
    expect(daisy.stderr).toContain('daisy.csv row 1 (label)');
  }, 60_000);
});
