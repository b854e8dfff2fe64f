import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { joinArtifactPath } from '../../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../../store/artifacts/artifact-store.js';
import { mlflowFlavorsOf, mlflowModelFile } from '../mlflow-model.js';
import { mloopMetadataFile, mloopOnnxFile } from '../mloop-model-file.js';
import type { Lineage, ModelConversion, ModelMetadata } from '../model-metadata.js';
import { listFiles } from '../model-files.js';
import { parseRequirements } from '../model-package.js';
import { runConversionScript } from './run-conversion-script.js';

/** MLflow flavors mloop converts to ONNX (the first one a model has wins). */
export const convertibleFlavors = ['sklearn', 'xgboost', 'lightgbm'] as const;

/** The files a passing conversion adds beside the original model. */
export const convertedFiles = [mloopOnnxFile, mloopMetadataFile] as const;

// Registration waits for the conversion (see ModelVersionService.create): this bounds the wait
// below the MLflow client's 120 s request timeout, with room for copying the files. Python's
// imports alone (mlflow, scikit-learn, skl2onnx, onnxruntime) take several seconds.
const defaultTimeoutMs = 90_000;

export interface ConversionOptions {
  /** Rows to check the conversion on, as CSV with a header (else the model's input example). */
  sampleCsv?: string | undefined;
  /** The ONNX opset to target (skl2onnx's default domain); 17 when not given. */
  targetOpset?: number | undefined;
}

export interface ConversionOutcome {
  conversion: ModelConversion;
  /** File name → bytes of the ONNX package, when the conversion passed its check. */
  files?: Record<string, Uint8Array>;
}

/** What a passing run of the script answers besides `ok`. */
interface Converted {
  report: Omit<ModelConversion, 'status' | 'reason'>;
  metadata: Omit<ModelMetadata, 'format' | 'lineage'>;
}

/**
 * Converts MLflow scikit-learn, XGBoost and LightGBM models to ONNX in Python (skl2onnx, with
 * onnxmltools for the boosters), and keeps a conversion only when onnxruntime's answers on a
 * sample match the model's own: identical labels, probabilities within 1e-5, regression values
 * within 1e-5 relative. The result is an mloop package (`model.onnx` + `mloop-model.json`) meant
 * to sit beside the original files, where serving finds it as it finds any ONNX package.
 */
export class OnnxConverter {
  constructor(
    private readonly store: ArtifactStore,
    /** The interpreter (MLOOP_PYTHON), which needs mlflow, skl2onnx, onnxruntime and the model's library. */
    private readonly python: string,
    private readonly timeoutMs = defaultTimeoutMs,
  ) {}

  /** The MLflow flavors of the model at `dir` when mloop converts it (no `onnx` flavor, one of ours). */
  async convertibleFlavors(dir: string): Promise<string[] | undefined> {
    const file = await this.store.get(joinArtifactPath(dir, mlflowModelFile));
    if (!file) return undefined;
    const flavors = mlflowFlavorsOf(await text(file.stream));
    if (flavors === undefined || flavors.includes('onnx')) return undefined;
    return flavors.some((f) => (convertibleFlavors as readonly string[]).includes(f)) ? flavors : undefined;
  }

  /**
   * Converts the MLflow model at `dir` (store-relative), checking it on the sample. Never throws
   * for a model that cannot be converted: the outcome says why.
   */
  async convert(dir: string, flavors: string[], options: ConversionOptions = {}): Promise<ConversionOutcome> {
    const flavor = convertibleFlavors.find((f) => flavors.includes(f)) ?? flavors[0] ?? 'unknown';
    const work = await mkdtemp(join(tmpdir(), 'mloop-convert-'));
    try {
      const model = join(work, 'model');
      const out = join(work, 'onnx');
      const skipped = new Set<string>(convertedFiles);
      for (const path of await listFiles(this.store, dir)) {
        if (skipped.has(path)) continue; // a previous conversion's package, not the model
        const file = await this.store.get(joinArtifactPath(dir, path));
        if (!file) continue;
        const target = join(model, ...path.split('/'));
        await mkdir(dirname(target), { recursive: true });
        await pipeline(file.stream, createWriteStream(target));
      }
      const args = ['convert', model, out];
      if (options.sampleCsv !== undefined) {
        await writeFile(join(work, 'sample.csv'), options.sampleCsv);
        args.push('--sample', join(work, 'sample.csv'));
      }
      if (options.targetOpset !== undefined) args.push('--target-opset', String(options.targetOpset));
      const answer = await runConversionScript(this.python, args, this.timeoutMs);
      if (!answer.ok) {
        const report = (answer.report ?? {}) as Partial<ModelConversion>;
        return { conversion: { ...report, status: 'failed', flavor, reason: answer.reason } };
      }
      const { report, metadata } = answer as unknown as Converted;
      const lineage = await this.lineageOf(model);
      const pkg: ModelMetadata = { format: 'mloop-model/v1', ...metadata, lineage };
      return {
        conversion: { ...report, status: 'converted', flavor },
        files: {
          [mloopOnnxFile]: new Uint8Array(await readFile(join(out, mloopOnnxFile))),
          [mloopMetadataFile]: new TextEncoder().encode(`${JSON.stringify(pkg, null, 2)}\n`),
        },
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** The package's lineage: the run and training packages the MLflow model names. */
  private async lineageOf(model: string): Promise<Lineage> {
    const read = (name: string) => readFile(join(model, name), 'utf8').catch(() => undefined);
    const requirements = await read('requirements.txt');
    const runId = /^run_id:\s*(\S+)\s*$/m.exec((await read(mlflowModelFile)) ?? '')?.[1];
    return {
      datasets: [],
      ...(runId ? { runId } : {}),
      ...(requirements ? { packages: parseRequirements(requirements) } : {}),
    };
  }
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
