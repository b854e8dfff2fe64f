import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalidParameter } from '../core/errors.js';
import { PipelineBuilder } from './definition.js';
import type { PipelineDefinition, PipelineSource } from './types.js';
import { parsePipelineYaml } from './yaml-definition.js';

/** Reads a pipeline file: YAML (`.yaml`/`.yml`) or a module whose default export is a pipeline. */
export async function readPipelineFile(
  path: string,
): Promise<{ definition: PipelineDefinition; source: PipelineSource }> {
  const absolute = resolve(path);
  if (/\.ya?ml$/i.test(absolute)) {
    const text = await readFile(absolute, 'utf8').catch(() => {
      throw invalidParameter('file', `cannot read pipeline file ${path}`);
    });
    return { definition: parsePipelineYaml(text), source: { kind: 'yaml', path: absolute, text } };
  }
  const source: PipelineSource = { kind: 'module', path: absolute };
  return { definition: await loadPipeline(source), source };
}

/** The definition a source holds; workers call this to get the same step code as the runner. */
export async function loadPipeline(source: PipelineSource): Promise<PipelineDefinition> {
  if (source.kind === 'yaml') return parsePipelineYaml(source.text);
  const module = (await importModule(source.path)) as Record<string, unknown>;
  const exported = module.default ?? module.pipeline;
  if (exported instanceof PipelineBuilder || isBuilderLike(exported)) return exported.build();
  throw invalidParameter(
    'file',
    `${source.path} must export a pipeline (export default pipeline('name').step(…))`,
  );
}

function isBuilderLike(value: unknown): value is PipelineBuilder {
  return (
    typeof value === 'object' && value !== null && typeof (value as PipelineBuilder).build === 'function'
  );
}

// Node 20 cannot import TypeScript by itself; tsx (when installed) compiles the module on the fly.
async function importModule(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  if (!/\.[mc]?ts$/.test(path)) return import(url);
  try {
    const { tsImport } = (await import('tsx/esm/api' as string)) as {
      tsImport: (u: string, parent: string) => Promise<unknown>;
    };
    return await tsImport(url, import.meta.url);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw invalidParameter('file', `loading ${path} needs tsx (npm install tsx), or compile it to .js`);
    }
    throw error;
  }
}
