import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineSource } from '../../src/pipelines/types.js';
import { tempDir } from '../helpers/tmp.js';

/** A source for pipelines built in a test: commands run in a fresh directory. */
export function testSource(): PipelineSource {
  const dir = mkdtempSync(join(tempDir('mloop-pipe-'), 'src-'));
  return { kind: 'module', path: join(dir, 'pipeline.ts') };
}
