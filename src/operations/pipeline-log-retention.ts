import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { PipelineTables } from '../pipelines/tables.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';

/** Logs removed between two yields to serving. */
const defaultBatch = 200;

/**
 * Applies MLOOP_PIPELINE_LOG_RETENTION: the step logs of pipeline runs that ended longer ago than
 * the limit are deleted from the artifact store and their step runs forget the path. A log that a
 * newer run's cached step still shows (a cache hit points at the log of the run that computed it)
 * stays until that run is old enough too. Runs, steps, outputs and tracked runs are kept.
 */
export class PipelineLogRetention {
  constructor(
    private readonly db: Kysely<PipelineTables>,
    private readonly artifacts: ArtifactStore,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    private readonly batch = defaultBatch,
  ) {}

  /** One pass; returns how many log files were deleted. */
  async apply(): Promise<{ deleted: number }> {
    const cutoff = this.clock.now() - this.maxAgeMs;
    let deleted = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('step_runs as s')
        .innerJoin('pipeline_runs as r', 'r.id', 's.pipeline_run_id')
        .select('s.log_path')
        .distinct()
        .where('s.log_path', 'is not', null)
        .where('r.end_time', '<', cutoff)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('step_runs as other')
                .innerJoin('pipeline_runs as newer', 'newer.id', 'other.pipeline_run_id')
                .select('other.id')
                .whereRef('other.log_path', '=', 's.log_path')
                .where((eb) => eb.or([eb('newer.end_time', 'is', null), eb('newer.end_time', '>=', cutoff)])),
            ),
          ),
        )
        .limit(this.batch)
        .execute();
      const paths = rows.map((r) => r.log_path!);
      // The file first: a pass stopped in between deletes it again (a no-op) and then forgets it.
      for (const path of paths) await this.artifacts.delete(path);
      if (paths.length > 0)
        await this.db
          .updateTable('step_runs')
          .set({ log_path: null })
          .where('log_path', 'in', paths)
          .execute();
      deleted += paths.length;
      if (paths.length < this.batch) return { deleted };
      await yieldToEventLoop();
    }
  }
}
