import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { MloopError } from '../../core/errors.js';
import { runConversionScript } from './run-conversion-script.js';

/** The file of an MLflow model directory written for a pickled model: path in the directory → bytes. */
export type ModelDirectoryFiles = Map<string, Uint8Array>;

export interface PickleImport {
  /** A joblib or pickle file of a fitted scikit-learn model. */
  file: string;
  /** CSV rows with a header: the signature's columns and types, and the input example. */
  sample: string;
  flavor: string;
  /** The interpreter that loads the model (MLOOP_PYTHON): it needs scikit-learn, joblib, pandas and mlflow. */
  python: string;
  /** Where the MLflow model directory is written. */
  outDir: string;
}

/**
 * Writes the MLflow model directory of a pickled scikit-learn model with `mlflow.sklearn.save_model`
 * (flavors sklearn and python_function), its signature inferred from the sample's columns and
 * types and the sample (up to 1000 rows) as its input example, on which registration then checks
 * the ONNX conversion. Returns the directory's files; fails with the reason Python gave.
 */
export async function writeMlflowModelOfPickle(input: PickleImport): Promise<ModelDirectoryFiles> {
  const answer = await runConversionScript(
    input.python,
    [
      'import',
      resolve(input.file),
      input.outDir,
      '--sample',
      resolve(input.sample),
      '--flavor',
      input.flavor,
    ],
    120_000,
  );
  if (!answer.ok)
    throw new MloopError('INVALID_PARAMETER_VALUE', `cannot import ${input.file}: ${answer.reason}`, 'file');
  const files: ModelDirectoryFiles = new Map();
  for (const entry of await readdir(input.outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(input.outDir, path).split('\\').join('/'), new Uint8Array(await readFile(path)));
  }
  return files;
}
