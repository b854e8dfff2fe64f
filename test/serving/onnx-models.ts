import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Platform } from '../../src/platform.js';
import type { ModelPackage } from '../../src/registry/model-metadata.js';
import { readModelPackage } from '../../src/registry/model-package.js';
import { LocalArtifactStore } from '../../src/store/artifacts/local-artifact-store.js';
import { pythonPath } from '../helpers/python.js';
import { sha256Hex } from '../../src/core/hashing.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/make_models.py', import.meta.url));

/** The model directories `make_models.py` writes. */
export const modelNames = [
  'columns-v1',
  'columns-v2',
  'columns-v3',
  'columns-v4',
  'tensor',
  'tensor-int-labels',
  'regression',
] as const;
export type ModelName = (typeof modelNames)[number];

export interface ExpectedPredictions {
  /** The rows every model was scored on by scikit-learn. */
  rows: Array<Record<string, number>>;
  models: Record<
    ModelName,
    { labels?: Array<string | number>; probabilities?: Array<Record<string, number>>; values?: number[] }
  >;
}

export interface OnnxModels {
  /** Directory holding one model directory per name, and expected.json. */
  dir: string;
  expected: ExpectedPredictions;
  /** Reads a model directory as the registry would. */
  load(name: ModelName): Promise<ModelPackage>;
}

/**
 * Trains real scikit-learn models with the Python test venv, exports them with skl2onnx and
 * returns them with scikit-learn's own predictions for a dozen rows (see fixtures/make_models.py).
 * The output is cached in the OS temp dir, keyed by the script's and the interpreter's identity,
 * so test files share one training run; tests only read it.
 */
export function makeOnnxModels(): OnnxModels {
  const python = pythonPath();
  const key = sha256Hex(`${python}\n${readFileSync(SCRIPT, 'utf8')}`).slice(0, 16);
  const dir = join(tmpdir(), `mloop-onnx-models-${key}`);
  if (!existsSync(join(dir, 'expected.json'))) {
    const staging = mkdtempSync(join(tmpdir(), 'mloop-onnx-staging-'));
    execFileSync(python, [SCRIPT, staging], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      renameSync(staging, dir);
    } catch {
      // Another test file finished first: its copy is the same.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as ExpectedPredictions;
  const store = new LocalArtifactStore(dir);
  return { dir, expected, load: (name) => readModelPackage(store, name) };
}

/**
 * Logs model directories as artifacts of one run (`<dir>/model.onnx`, `<dir>/mloop-model.json`)
 * and registers each as the next version of registered model `name`, in order: the first
 * directory becomes version 1. Returns the version numbers.
 */
export async function registerOnnxModels(
  platform: Platform,
  models: OnnxModels,
  name: string,
  dirs: readonly ModelName[],
): Promise<number[]> {
  const run = await platform.tracking.runs.create({ experimentId: '0', runName: `train-${name}` });
  const runId = run.info.runId;
  await platform.registry.models.create({ name });
  const versions: number[] = [];
  for (const dir of dirs) {
    for (const file of ['model.onnx', 'mloop-model.json']) {
      await platform.tracking.artifacts.putForRun(
        runId,
        `${dir}/${file}`,
        readFileSync(join(models.dir, dir, file)),
      );
    }
    const version = await platform.registry.versions.create({ name, runId, artifactPath: dir });
    versions.push(version.version);
  }
  return versions;
}

/** The expected rows without the columns-only `petal_count` feature, for tensor-layout models. */
export function tensorRows(models: OnnxModels): Array<Record<string, number>> {
  return models.expected.rows.map(({ petal_count: _unused, ...rest }) => rest);
}
