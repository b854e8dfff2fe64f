import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../src/registry/types.js';
import { runMloop } from '../helpers/cli.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { storeDialects } from '../helpers/platform.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { unique } from './model-factories.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/log_convertible_models.py', import.meta.url));

/** What a model loaded back in Python predicts for records.csv. */
interface Expected {
  labels: Array<string | number>;
  classes: Array<string | number>;
  probabilities: number[][];
}

interface Served {
  predictions: Array<{ label?: string | number; probabilities?: Record<string, number> }>;
}

/** Logs and registers the fixture's models with the real mlflow client; returns their predictions. */
function logModels(url: string, prefix: string, dir: string): Promise<Record<string, Expected>> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, MLFLOW_TRACKING_URI: url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' };
    execFile(pythonPath(), [FIXTURE, prefix, dir], { env, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`fixture failed: ${error.message}\n${stderr.slice(-4000)}`));
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, Expected>);
    });
  });
}

/** records.csv as the JSON records /predict takes. */
function readRecords(dir: string): Array<Record<string, string | number>> {
  const [header = '', ...lines] = readFileSync(join(dir, 'records.csv'), 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) =>
    Object.fromEntries(
      line.split(',').map((cell, i) => [columns[i], columns[i] === 'plan' ? cell : Number(cell)]),
    ),
  );
}

function expectSamePredictions(served: Served, expected: Expected): void {
  expect(served.predictions.map((p) => p.label)).toEqual(expected.labels);
  served.predictions.forEach((p, i) =>
    expected.classes.forEach((c, j) =>
      expect(Math.abs(p.probabilities![String(c)]! - expected.probabilities[i]![j]!)).toBeLessThanOrEqual(
        1e-5,
      ),
    ),
  );
}

describeWithPython('MLflow models converted to ONNX on registration', () => {
  for (const dialect of storeDialects()) {
    describe(`[${dialect}]`, () => {
      let server: ServerProcess;
      let dir: string;
      let expected: Record<string, Expected>;
      let records: Array<Record<string, string | number>>;
      const prefix = unique('conv');

      beforeAll(async () => {
        dir = tempDir('mloop-conversion-');
        // `mloop models import` loads the pickle in the CLI's own Python.
        process.env.MLOOP_PYTHON = pythonPath();
        const env: Record<string, string> = { MLOOP_PYTHON: pythonPath() };
        if (dialect === 'postgres') env.MLOOP_DATABASE_URL = await freshPostgresUrl();
        server = await startServer({ env });
        expected = await logModels(server.url, prefix, dir);
        records = readRecords(dir);
      }, 900_000);
      afterAll(async () => server?.stop());

      const version = async (name: string): Promise<ModelVersion> =>
        (await (await fetch(`${server.url}/api/v1/models/${name}/versions/1`)).json()) as ModelVersion;
      /** Scores records.csv; `numeric` models take only tenure and spend. */
      const predict = async (name: string, numeric = false): Promise<Served> => {
        const sent = numeric ? records.map(({ tenure, spend }) => ({ tenure, spend })) : records;
        const answer = await fetch(`${server.url}/api/v1/serving/${name}/predict?version=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ records: sent }),
        });
        const body = (await answer.json()) as Served;
        expect(answer.status, JSON.stringify(body)).toBe(200);
        return body;
      };

      it.each(['pipeline', 'xgboost', 'lightgbm'])(
        'the %s classifier is converted, and /predict answers as the model loaded in Python',
        async (kind) => {
          const registered = await version(`${prefix}-${kind}`);
          expect(registered.status).toBe('READY');
          expect(registered.statusMessage).toBeUndefined();
          expect(registered.format).toBe('mloop-model/v1');
          expect(registered.lineage.conversion).toMatchObject({
            status: 'converted',
            flavor: kind === 'pipeline' ? 'sklearn' : kind,
            sampleRows: 20,
            sampleSource: 'input example',
            labelsDiffering: 0,
          });
          expect(registered.lineage.conversion?.maxDifference).toBeLessThanOrEqual(1e-5);
          expect(registered.lineage.conversion?.converters?.skl2onnx).toBe('1.20.0');
          expect(registered.files?.map((f) => f.path)).toEqual(
            expect.arrayContaining(['MLmodel', 'model.onnx', 'mloop-model.json']),
          );
          expectSamePredictions(await predict(`${prefix}-${kind}`, kind !== 'pipeline'), expected[kind]!);
        },
        120_000,
      );

      it('an estimator skl2onnx cannot convert is registered unconverted, with the reason', async () => {
        const registered = await version(`${prefix}-centroid`);
        expect(registered.status).toBe('READY');
        expect(registered.format).toBeUndefined();
        expect(registered.lineage.conversion).toMatchObject({ status: 'failed', flavor: 'sklearn' });
        expect(registered.lineage.conversion?.reason).toMatch(/skl2onnx cannot convert NearestCentroid/);
        expect(registered.statusMessage).toMatch(
          /flavors: python_function, sklearn\) and was not converted to ONNX: skl2onnx cannot convert NearestCentroid/,
        );
        const shown = await runMloop(dir, ['models', 'show', `${prefix}-centroid/1`, '--url', server.url]);
        expect(shown.stdout).toMatch(/not converted to ONNX: skl2onnx cannot convert NearestCentroid/);
      });

      it('mloop models convert --sample converts a model logged without an input example', async () => {
        const name = `${prefix}-unchecked`;
        const before = await version(name);
        expect(before.lineage.conversion?.reason).toMatch(/without an input example/);
        expect(before.format).toBeUndefined();
        const converted = await runMloop(
          dir,
          [
            'models',
            'convert',
            `${name}/1`,
            '--sample',
            join(dir, 'rows.csv'),
            '--json',
            '--url',
            server.url,
          ],
          { timeoutMs: 180_000 },
        );
        expect(converted.code, converted.stderr).toBe(0);
        const result = JSON.parse(converted.stdout) as {
          version: ModelVersion;
          conversion: { status: string };
        };
        expect(result.conversion).toMatchObject({
          status: 'converted',
          sampleRows: 50,
          sampleSource: 'rows given',
        });
        expect(result.version.format).toBe('mloop-model/v1');
        expect(result.version.statusMessage).toBeUndefined();
        expect(result.version.storagePath).not.toBe(before.storagePath);
        expectSamePredictions(await predict(name), expected.unchecked!);
        const shown = await runMloop(dir, ['models', 'show', `${name}/1`, '--url', server.url]);
        expect(shown.stdout).toMatch(
          /runtime:\s+onnx: converted to ONNX from the MLflow sklearn model .* checked on 50 given rows/,
        );
      }, 240_000);

      it('mloop models import registers a joblib model that /predict serves through ONNX', async () => {
        const name = `${prefix}-imported`;
        const imported = await runMloop(
          dir,
          [
            'models',
            'import',
            join(dir, 'forest.joblib'),
            '--flavor',
            'sklearn',
            '--sample',
            join(dir, 'rows.csv'),
            '--name',
            name,
            '--json',
            '--url',
            server.url,
          ],
          { timeoutMs: 240_000 },
        );
        expect(imported.code, imported.stderr).toBe(0);
        const registered = JSON.parse(imported.stdout) as ModelVersion;
        expect(registered.lineage.conversion).toMatchObject({ status: 'converted', sampleRows: 50 });
        expect(registered.metadata?.inputs.map((f) => f.name)).toEqual(['tenure', 'spend']);
        expectSamePredictions(await predict(name, true), expected.forest!);
      }, 300_000);
    });
  }
});
