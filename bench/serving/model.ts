import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const TRAIN_SCRIPT = fileURLToPath(new URL('./train_model.py', import.meta.url));

/** A record the load generator sends and the class both servers must answer for it. */
export interface KnownRecord {
  values: number[];
  label: number;
}

/** What train_model.py wrote: the model in both stores, its bytes' hashes, the known records. */
export interface BenchModel {
  columns: string[];
  records: KnownRecord[];
  testAccuracy: number;
  /** sha256 of the ONNX bytes as converted, and as downloaded back from each store. */
  onnxSha256: string;
  mlflow: { trackingUri: string; modelUri: string; onnxSha256: string };
  mloop: { modelName: string; version: number; onnxSha256: string };
  versions: Record<string, string>;
}

/**
 * Trains the model and logs it to a fresh MLflow store in `mlflowStore` and to the mloop server
 * at `mloopUrl`; fails unless both stores hold the very bytes that were converted.
 */
export async function trainAndLogModel(
  python: string,
  mlflowStore: string,
  mloopUrl: string,
  workDir: string,
): Promise<BenchModel> {
  const out = join(workDir, 'model.json');
  try {
    await promisify(execFile)(
      python,
      [TRAIN_SCRIPT, '--mlflow-store', mlflowStore, '--mloop-url', mloopUrl, '--out', out],
      { cwd: workDir, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`train_model.py failed:\n${(stderr ?? String(error)).split('\n').slice(-25).join('\n')}`);
  }
  const model = JSON.parse(readFileSync(out, 'utf8')) as BenchModel;
  if (model.mlflow.onnxSha256 !== model.onnxSha256 || model.mloop.onnxSha256 !== model.onnxSha256) {
    throw new Error(
      `the stores hold different model bytes: converted ${model.onnxSha256}, ` +
        `MLflow ${model.mlflow.onnxSha256}, mloop ${model.mloop.onnxSha256}`,
    );
  }
  return model;
}

/** MLflow's split orient of one record, the body both /invocations routes get. */
export function dataframeSplitBody(model: BenchModel, record: KnownRecord): string {
  return JSON.stringify({ dataframe_split: { columns: model.columns, data: [record.values] } });
}

/** mloop's named-feature body of one record. */
export function predictBody(model: BenchModel, record: KnownRecord): string {
  return JSON.stringify({ record: namedFeatures(model, record) });
}

export function namedFeatures(model: BenchModel, record: KnownRecord): Record<string, number> {
  return Object.fromEntries(model.columns.map((name, i) => [name, record.values[i] as number]));
}
