import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/api/server.js';
import { buildServer } from '../../src/api/server.js';
import type { Platform } from '../../src/platform.js';
import { openTestPlatform } from '../helpers/platform.js';
import { describeWithPython } from '../helpers/python.js';
import { makeOnnxModels, registerOnnxModels, type OnnxModels } from './onnx-models.js';

interface InvocationsAnswer {
  predictions: Array<string | number>;
  probabilities?: Array<Record<string, number>>;
  model_version: string;
}

describeWithPython('POST /invocations with Content-Type: text/csv, as MLflow scoring servers take', () => {
  let models: OnnxModels;
  let platform: Platform;
  let app: App;

  beforeAll(async () => {
    models = makeOnnxModels();
    platform = await openTestPlatform('sqlite');
    await registerOnnxModels(platform, models, 'iris', ['columns-v1']);
    app = await buildServer(platform);
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const postCsv = (payload: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/serving/iris/invocations',
      headers: { 'content-type': 'text/csv' },
      payload,
    });

  /** The expected rows as pandas' `to_csv(index=False)` writes them, columns in another order. */
  function csvOf(rows: Array<Record<string, number>>): string {
    const columns = Object.keys(rows[0] ?? {}).reverse();
    return [columns.join(','), ...rows.map((r) => columns.map((c) => String(r[c])).join(','))].join('\r\n');
  }

  it('scores a header row of column names and rows like the same records sent as JSON', async () => {
    const res = await postCsv(`${csvOf(models.expected.rows)}\r\n`);
    expect(res.statusCode).toBe(200);
    const body = res.json<InvocationsAnswer>();
    expect(body.model_version).toBe('1');
    expect(body.predictions).toEqual(models.expected.models['columns-v1'].labels);

    const json = await app.inject({
      method: 'POST',
      url: '/api/v1/serving/iris/invocations',
      payload: { dataframe_records: models.expected.rows },
    });
    expect(body.probabilities).toEqual(json.json<InvocationsAnswer>().probabilities);
  });

  it('answers 400 naming the record and feature of a cell that is not a number', async () => {
    const rows = models.expected.rows.slice(0, 3).map((r) => ({ ...r }));
    const text = csvOf(rows).replace(/\r\n([^,]*),/, '\r\n"wide, very",');
    const res = await postCsv(text);
    expect(res.statusCode).toBe(400);
    const error = res.json<{ error_code: string; message: string; field: string }>();
    expect(error.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.field).toMatch(/^records\[0\]\./);
    expect(error.message).toContain('got string "wide, very"');
  });

  it('answers 400 for a row with more fields than the header, and for an empty body', async () => {
    const ragged = await postCsv('sepal_length,sepal_width\n1,2,3\n');
    expect(ragged.statusCode).toBe(400);
    expect(ragged.json<{ message: string }>().message).toMatch(/CSV row 1 has 3 fields; the header has 2/);
    const empty = await postCsv('');
    expect(empty.statusCode).toBe(400);
  });
});
