import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance, type JS } from '@duckdb/node-api';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { sha256Hex } from '../../src/core/hashing.js';
import { openPlatform } from '../../src/platform.js';
import { scoreFile } from '../../src/serving/batch/batch-scoring.js';
import { registryModelSource } from '../../src/serving/registry-source.js';
import { describeWithPython } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { makeOnnxModels, registerOnnxModels, type OnnxModels } from './onnx-models.js';
import { runMloop } from '../helpers/cli.js';

const features = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
const classes = ['setosa', 'versicolor', 'virginica'];
/** More rows than one DuckDB chunk (2,048) and than one scoring chunk of the tests (3,000). */
const rowCount = 5000;

const mloop = (home: string, args: string[]) => runMloop(home, args);

async function readTable(path: string): Promise<{ columns: string[]; rows: Record<string, JS>[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await DuckDBConnection.create(instance);
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM '${path}'`);
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJS() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** What onnxruntime itself answers for the test rows, fed by hand, without mloop's serving code. */
interface DirectResults {
  labels: string[];
  probabilities: number[][];
  values: number[];
}

async function scoreDirectly(models: OnnxModels): Promise<DirectResults> {
  const rows = models.expected.rows;
  const n = rows.length;
  const classifier = await InferenceSession.create(join(models.dir, 'columns-v1', 'model.onnx'));
  const feeds: Record<string, Tensor> = {};
  for (const f of features)
    feeds[f] = new Tensor('float32', Float32Array.from(rows.map((r) => r[f] ?? 0)), [n, 1]);
  feeds.petal_count = new Tensor('int64', BigInt64Array.from(rows.map((r) => BigInt(r.petal_count ?? 0))), [
    n,
    1,
  ]);
  const out = await classifier.run(feeds);
  const probs = out.probabilities?.data as Float32Array;
  const regressor = await InferenceSession.create(join(models.dir, 'regression', 'model.onnx'));
  const matrix = Float32Array.from(rows.flatMap((r) => features.map((f) => r[f] ?? 0)));
  const regression = await regressor.run({ input: new Tensor('float32', matrix, [n, 4]) });
  const results = {
    labels: [...(out.label?.data as string[])],
    probabilities: rows.map((_, i) => classes.map((_c, j) => probs[i * 3 + j] as number)),
    values: [...(regression.variable?.data as Float32Array)],
  };
  await classifier.release();
  await regressor.release();
  return results;
}

/** The expected rows repeated to `rowCount`, each with an `id`; `edit` may spoil one cell. */
function csvRows(models: OnnxModels, edit?: (row: Record<string, string>, i: number) => void): string {
  const header = ['id', ...features, 'petal_count'];
  const lines = [header.join(',')];
  for (let i = 0; i < rowCount; i++) {
    const source = models.expected.rows[i % models.expected.rows.length] ?? {};
    const row: Record<string, string> = { id: String(i) };
    for (const name of header.slice(1)) row[name] = String(source[name]);
    edit?.(row, i);
    lines.push(header.map((h) => row[h]).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The test CSV with one cell of data row 4321 replaced, in the second scoring chunk of 3,000. */
function spoiltCsv(models: OnnxModels, home: string, column: string, value: string): string {
  const input = join(home, `bad-${column}.csv`);
  writeFileSync(
    input,
    csvRows(models, (row, i) => {
      if (i === 4320) row[column] = value;
    }),
  );
  return input;
}

describeWithPython('mloop predict: batch scoring of files', () => {
  let models: OnnxModels;
  let home: string;
  let direct: DirectResults;
  let csv: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    models = makeOnnxModels();
    home = tempDir('mloop-predict-');
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    try {
      await registerOnnxModels(platform, models, 'iris', ['columns-v1']);
      await registerOnnxModels(platform, models, 'petals', ['regression']);
      await platform.registry.aliases.set('petals', 'champion', 1);
    } finally {
      await platform.close();
    }
    direct = await scoreDirectly(models);
    csv = join(home, 'rows.csv');
    writeFileSync(csv, csvRows(models));
  });
  afterAll(async () => {
    await server?.stop();
  });
  const spoilt = (column: string, value: string) => spoiltCsv(models, home, column, value);

  /** Checks every output row against onnxruntime's answer for the input row it came from. */
  function expectClassified(rows: Record<string, JS>[]): void {
    expect(rows).toHaveLength(rowCount);
    rows.forEach((row, i) => {
      const k = Number(row.id) % models.expected.rows.length;
      expect(Number(row.id)).toBe(i);
      expect(row.label).toBe(direct.labels[k]);
      expect(classes.map((c) => row[`prob_${c}`])).toEqual(direct.probabilities[k]);
      expect(row.model_name).toBe('iris');
      expect(Number(row.model_version)).toBe(1);
    });
  }

  it('scores a CSV into Parquet: input columns, label, prob_<class>, model name and version', async () => {
    const output = join(home, 'scored.parquet');
    const result = await mloop(home, ['predict', 'iris/1', '--input', csv, '--output', output, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      model: 'iris',
      version: 1,
      rows: rowCount,
      input: { format: 'csv', sha256: sha256Hex(readFileSync(csv)) },
      output: { format: 'parquet' },
    });
    const { columns, rows } = await readTable(output);
    expect(columns).toEqual([
      'id',
      ...features,
      'petal_count',
      'label',
      ...classes.map((c) => `prob_${c}`),
      'model_name',
      'model_version',
    ]);
    expectClassified(rows);
    // scikit-learn's own labels agree with onnxruntime's.
    expect(direct.labels).toEqual(models.expected.models['columns-v1'].labels);
  });

  it('scores a Parquet file into CSV in several chunks, keeping only the chosen columns', async () => {
    const parquet = join(home, 'rows.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await DuckDBConnection.create(instance);
    await connection.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();

    const output = join(home, 'scored.csv');
    const result = await mloop(home, [
      'predict',
      'iris',
      '--input',
      parquet,
      '--output',
      output,
      '--keep',
      'id',
      '--chunk-rows',
      '3000',
      '--progress',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/100%\s+5,000\/5,000 rows/);
    expect(result.stderr).toMatch(/Scored 5,000 rows with iris version 1/);
    const { columns, rows } = await readTable(output);
    expect(columns).toEqual([
      'id',
      'label',
      ...classes.map((c) => `prob_${c}`),
      'model_name',
      'model_version',
    ]);
    expectClassified(rows);
  });

  it('scores with a regressor by alias into JSON lines, with --no-inputs', async () => {
    const output = join(home, 'values.jsonl');
    const result = await mloop(home, [
      'predict',
      'petals@champion',
      '--input',
      csv,
      '--output',
      output,
      '--no-inputs',
    ]);
    expect(result.code).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(rowCount);
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['prediction', 'model_name', 'model_version']);
    lines.forEach((line, i) => {
      const row = JSON.parse(line) as { prediction: number };
      expect(row.prediction).toBe(direct.values[i % models.expected.rows.length]);
    });
  });

  it('fails with exit code 4 for a model that does not exist, writing nothing', async () => {
    const output = join(home, 'none.parquet');
    const result = await mloop(home, ['predict', 'nosuch@champion', '--input', csv, '--output', output]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/nosuch/);
    expect(result.stderr).toMatch(/mloop models list/);
    expect(existsSync(output)).toBe(false);
  });

  it('names a missing feature column and writes nothing', async () => {
    const input = join(home, 'no-width.csv');
    writeFileSync(
      input,
      csvRows(models)
        .split('\n')
        .map((line) =>
          line
            .split(',')
            .filter((_, j) => j !== 2)
            .join(','),
        )
        .join('\n'),
    );
    const output = join(home, 'no-width.parquet');
    const result = await mloop(home, ['predict', 'iris/1', '--input', input, '--output', output]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no-width\.csv has no column "sepal_width"/);
    expect(existsSync(output)).toBe(false);
  });

  it('names the row and column of a wrongly typed value, and leaves no partial output', async () => {
    // In-process, on the same store: the CLI adds nothing here but its exit code, checked above.
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    const source = registryModelSource(platform.registry);
    const jsonl = join(home, 'bad-json.jsonl');
    writeFileSync(
      jsonl,
      models.expected.rows
        .map((r, i) => JSON.stringify(i === 7 ? { ...r, petal_width: 'thin' } : r))
        .join('\n'),
    );
    try {
      for (const [input, message] of [
        [
          spoilt('petal_count', '2.5'),
          'row 4321 of bad-petal_count.csv, column "petal_count": feature "petal_count" (int64) must be an integer, got 2.5',
        ],
        [
          spoilt('sepal_width', 'wide'),
          'row 4321 of bad-sepal_width.csv, column "sepal_width": feature "sepal_width" (float32) must be a number, got string "wide"',
        ],
        [
          jsonl,
          'row 8 of bad-json.jsonl, column "petal_width": feature "petal_width" (float32) must be a number, got string "thin"',
        ],
      ] as const) {
        const output = join(home, 'bad.parquet');
        const scoring = scoreFile(source, { ref: 'iris/1', input, output, chunkRows: 3000 });
        await expect(scoring).rejects.toThrow(message);
        expect(existsSync(output)).toBe(false);
        expect(readdirSync(home).filter((f) => f.startsWith('.mloop-predict-'))).toEqual([]);
      }
    } finally {
      await platform.close();
    }
  });

  it('scores with the model of a server given by --url', async () => {
    server = await startServer({ home });
    const output = join(home, 'remote.parquet');
    const result = await mloop(home, [
      'predict',
      'iris/1',
      '--input',
      csv,
      '--output',
      output,
      '--url',
      server.url,
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ model: 'iris', version: 1, rows: rowCount });
    expectClassified((await readTable(output)).rows);

    const missing = await mloop(home, [
      'predict',
      'iris/9',
      '--input',
      csv,
      '--output',
      output,
      '--url',
      server.url,
    ]);
    expect(missing.code, missing.stderr).toBe(4);
  });
});
