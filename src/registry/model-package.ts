import type { Readable } from 'node:stream';
import { notFound } from '../core/errors.js';
import { sha256Hex } from '../core/hashing.js';
import { joinArtifactPath, normalizeArtifactPath } from '../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import { mlflowMetadata, mlflowModelFile, parseMlflowModelFile } from './mlflow-model.js';
import {
  checkAgainstGraph,
  completeMloopMetadata,
  mloopMetadataFile,
  mloopOnnxFile,
  packageError,
  parseMloopModelFile,
  type MloopModelFile,
} from './mloop-model-file.js';
import type { Lineage, ModelMetadata, ModelPackage } from './model-metadata.js';
import { readGraphSignature, type GraphSignature } from './onnx-graph.js';

/**
 * Reads the model directory at `storagePath` (store-relative): mloop's `model.onnx` +
 * `mloop-model.json` (format `mloop-model/v1`), or an MLflow model (`MLmodel` with the `onnx`
 * flavor, refined by a `mloop-model.json` beside it when there is one). The ONNX graph is loaded
 * once to check that it is valid and that the inputs and outputs the metadata names exist.
 *
 * Fails with RESOURCE_DOES_NOT_EXIST when the directory holds no files, and with
 * INVALID_PARAMETER_VALUE (field `source`) naming the problem when they are not a servable package.
 */
export async function readModelPackage(store: ArtifactStore, storagePath: string): Promise<ModelPackage> {
  const dir = normalizeArtifactPath(storagePath, 'storagePath');
  const entries = await store.list(dir);
  const files = new Set(
    entries.filter((e) => !e.isDir).map((e) => e.path.slice(e.path.lastIndexOf('/') + 1)),
  );
  if (files.size === 0) throw notFound(`No model files at "${dir}"`);

  const refinements = files.has(mloopMetadataFile)
    ? parseMloopModelFile(await readText(store, dir, mloopMetadataFile), dir)
    : undefined;
  // A whole mloop package (what mloop's trainers write) is read as one, even with the MLmodel its
  // trainer writes beside it for MLflow's client; an MLmodel with a partial mloop-model.json is
  // an MLflow model that file refines.
  if (files.has(mlflowModelFile) && refinements?.format !== 'mloop-model/v1') {
    const mlmodel = parseMlflowModelFile(await readText(store, dir, mlflowModelFile), dir);
    const onnx = await readRequired(store, dir, mlmodel.onnxFile);
    const graph = await loadGraph(onnx, dir, mlmodel.onnxFile);
    const metadata = mlflowMetadata(mlmodel, graph, refinements ?? {}, dir);
    checkAgainstGraph(metadata, graph, dir);
    const packages = files.has('requirements.txt')
      ? parseRequirements(await readText(store, dir, 'requirements.txt'))
      : undefined;
    const lineage = mergeLineage(
      { datasets: [], ...(mlmodel.runId ? { runId: mlmodel.runId } : {}), ...(packages ? { packages } : {}) },
      refinements,
    );
    return { onnx, metadata: { ...metadata, lineage }, sha256: sha256Hex(onnx) };
  }
  if (refinements) {
    const metadata = completeMloopMetadata(refinements, dir);
    const onnx = await readRequired(store, dir, mloopOnnxFile);
    checkAgainstGraph(metadata, await loadGraph(onnx, dir, mloopOnnxFile), dir);
    return { onnx, metadata, sha256: sha256Hex(onnx) };
  }
  throw packageError(
    dir,
    `neither ${mloopMetadataFile} nor an MLflow ${mlflowModelFile} is there (files: ${[...files].sort().join(', ')})`,
  );
}

/** The metadata without the ONNX bytes: what the registry stores with a version. */
export function describePackage(pkg: ModelPackage): Omit<ModelMetadata, 'lineage'> {
  const { lineage: _lineage, ...rest } = pkg.metadata;
  return rest;
}

/** The pinned packages of a model directory's `requirements.txt`, if it has one. */
export async function readRequirements(
  store: ArtifactStore,
  storagePath: string,
): Promise<Record<string, string> | undefined> {
  const bytes = await readBytes(store, joinArtifactPath(storagePath, 'requirements.txt'));
  return bytes ? parseRequirements(Buffer.from(bytes).toString('utf8')) : undefined;
}

/** `name==version` lines of a pip requirements file (other specifiers are skipped). */
export function parseRequirements(text: string): Record<string, string> {
  const packages: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z0-9_.\-[\]]+)\s*==\s*([^\s;#]+)/.exec(line);
    if (match?.[1] && match[2]) packages[match[1].replace(/\[.*\]$/, '')] = match[2];
  }
  return packages;
}

function mergeLineage(base: Lineage, refinements: MloopModelFile | undefined): Lineage {
  const extra = refinements?.lineage;
  if (!extra) return base;
  return {
    ...base,
    ...extra,
    datasets: [...(extra.datasets ?? []), ...base.datasets],
    ...(base.packages || extra.packages ? { packages: { ...base.packages, ...extra.packages } } : {}),
  };
}

async function loadGraph(onnx: Uint8Array, dir: string, file: string): Promise<GraphSignature> {
  try {
    return await readGraphSignature(onnx);
  } catch (error) {
    throw packageError(dir, `${file} is not a valid ONNX model (${(error as Error).message.split('\n')[0]})`);
  }
}

async function readRequired(store: ArtifactStore, dir: string, file: string): Promise<Uint8Array> {
  const bytes = await readBytes(store, joinArtifactPath(dir, normalizeArtifactPath(file, 'file')));
  if (!bytes) throw packageError(dir, `${file} is missing`);
  return bytes;
}

async function readText(store: ArtifactStore, dir: string, file: string): Promise<string> {
  return Buffer.from(await readRequired(store, dir, file)).toString('utf8');
}

async function readBytes(store: ArtifactStore, path: string): Promise<Uint8Array | undefined> {
  const file = await store.get(path);
  if (!file) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream as Readable) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
