import { joinArtifactPath } from '../../store/artifacts/artifact-path.js';
import type { ArtifactStore } from '../../store/artifacts/artifact-store.js';
import type { ModelConversion } from '../model-metadata.js';
import type { ModelFile } from '../model-files.js';
import type { ConversionOptions, OnnxConverter } from './onnx-converter.js';

/** A conversion tried on a version's files, with the package files it stored beside them. */
export interface StoredConversion {
  conversion: ModelConversion;
  /** The MLflow flavors of the original model. */
  flavors: string[];
  /** Records of the files added to the version's directory (none when the conversion failed). */
  added: ModelFile[];
}

/**
 * Converts the MLflow model in the version directory `dir` when it is of a flavor mloop converts,
 * storing a passing conversion's package there; undefined when the model is not one to convert.
 */
export async function convertVersionFiles(
  converter: OnnxConverter,
  store: ArtifactStore,
  dir: string,
  options: ConversionOptions = {},
): Promise<StoredConversion | undefined> {
  const flavors = await converter.convertibleFlavors(dir);
  if (!flavors) return undefined;
  const { conversion, files } = await converter.convert(dir, flavors, options);
  const added: ModelFile[] = [];
  for (const [path, bytes] of Object.entries(files ?? {})) {
    const stored = await store.put(joinArtifactPath(dir, path), bytes);
    added.push({ path, size: stored.size, sha256: stored.sha256 });
  }
  return { conversion, flavors, added };
}

/**
 * The status message of a version whose conversion failed. It lists the flavors as registration
 * does for any MLflow model without ONNX, which is how serving picks the Python runtime for it.
 */
export function conversionFailureMessage(flavors: string[], conversion: ModelConversion): string {
  return `the MLflow model has no onnx flavor (flavors: ${flavors.join(', ')}) and was not converted to ONNX: ${conversion.reason ?? 'unknown reason'}`;
}
