import { resolve } from 'node:path';
import { sha256Hex, sha256OfFile } from '../core/hashing.js';
import type { Params, Step, StoredOutput } from './types.js';

/**
 * The cache key of a step: sha256 over its code (the function's source text or the command, and
 * the content of the files it declares), the params it uses, and the digests of its inputs. An
 * unchanged key means the step would compute the same outputs, so a previous run's are reused.
 */
export async function stepCacheKey(
  step: Step,
  params: Params,
  inputs: Record<string, StoredOutput>,
  cwd: string,
): Promise<string> {
  const files: [string, string][] = [];
  for (const file of [...step.files].sort()) {
    const digest = await sha256OfFile(resolve(cwd, file)).catch(() => {
      throw new Error(`step "${step.name}" declares file "${file}", which cannot be read`);
    });
    files.push([file, digest]);
  }
  const used = step.params ?? Object.keys(params);
  const material = {
    code: step.command ?? step.run?.toString() ?? '',
    files,
    params: Object.fromEntries([...used].sort().map((k) => [k, params[k]])),
    inputs: Object.fromEntries(
      Object.entries(inputs)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, v.digest]),
    ),
    outputs: step.outputs,
  };
  return sha256Hex(JSON.stringify(material));
}
