import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../../src/platform.js';
import { createPipelineService } from '../../src/pipelines/pipeline-services.js';
import type { PipelineService } from '../../src/pipelines/pipeline-service.js';
import type { StepExecutor } from '../../src/pipelines/step-task.js';
import type { PipelineSource } from '../../src/pipelines/types.js';
import { tempDir } from '../helpers/tmp.js';

/** A pipeline service over a test platform, with the given executor (in-process by default). */
export function pipelineServiceFor(platform: Platform, executor?: StepExecutor): PipelineService {
  return createPipelineService(
    {
      database: platform.database,
      clock: platform.clock,
      experiments: platform.tracking.experiments,
      runs: platform.tracking.runs,
      artifacts: platform.tracking.artifacts,
    },
    executor,
  );
}

/** A source for pipelines built in a test: commands run in a fresh directory. */
export function testSource(): PipelineSource {
  const dir = mkdtempSync(join(tempDir('mloop-pipe-'), 'src-'));
  return { kind: 'module', path: join(dir, 'pipeline.ts') };
}
