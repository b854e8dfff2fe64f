import pg from 'pg';
import { METRICS, PARAMS, sqlOf } from './workload.js';

/** Where one system's search experiment lives, as its server created it. */
export interface LoadTarget {
  system: 'mloop' | 'mlflow';
  databaseUrl: string;
  experimentId: string;
  /** The experiment's artifact location; a run's is `<location>/<run id>/artifacts` in both. */
  artifactLocation: string;
}

export interface LoadResult {
  runs: number;
  rows: number;
  seconds: number;
  /** Seconds spent rebuilding the child tables' indexes after the inserts (part of `seconds`). */
  indexSeconds: number;
  /** VACUUM ANALYZE after loading, as autovacuum would have done on a live server. */
  analyzeSeconds: number;
  /** Table and index sizes on disk after loading. */
  databaseBytes: number;
}

const series = 'generate_series($1::bigint, $2::bigint - 1) as i';
const keys = (n: number) => `generate_series(0, ${n - 1}) as k`;

/**
 * The statements that write runs [from, to) into mloop's tables: the rows RunService.create and
 * logBatch write (runs; tags with mlflow.runName; params; metrics and latest_metrics).
 */
function mloopStatements(target: LoadTarget): string[] {
  const id = sqlOf.runId('mloop-run-');
  const exp = pg.escapeLiteral(target.experimentId);
  const location = pg.escapeLiteral(target.artifactLocation.replace(/\/$/, ''));
  return [
    `insert into runs (run_id, experiment_id, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri)
     select ${id}, ${exp}, ${sqlOf.name}, 'bench', 'FINISHED', ${sqlOf.startTime}, ${sqlOf.startTime} + 60000,
       'active', ${location} || '/' || ${id} || '/artifacts' from ${series}`,
    `insert into tags (run_id, key, value)
     select ${id}, 'mlflow.runName', ${sqlOf.name} from ${series}
     ${sqlOf.tags.map((t) => `union all select ${id}, ${t.key}, ${t.value} from ${series}`).join('\n')}`,
    `insert into params (run_id, key, value) select ${id}, 'p' || k, ${sqlOf.paramValue} from ${series}, ${keys(PARAMS)}`,
    ...['metrics', 'latest_metrics'].map(
      (table) => `insert into ${table} (run_id, key, value, timestamp, step, is_nan)
       select ${id}, 'm' || k, ${sqlOf.metricValue}, ${sqlOf.startTime} + 500, 0, 0 from ${series}, ${keys(METRICS)}`,
    ),
  ];
}

/**
 * The statements that write runs [from, to) into MLflow's tables: the rows its SqlAlchemyStore's
 * create_run and log_batch write (runs; tags with mlflow.runName; params; metrics; latest_metrics).
 */
function mlflowStatements(target: LoadTarget): string[] {
  const id = sqlOf.runId('mlflow-run-');
  const exp = Number(target.experimentId);
  const location = pg.escapeLiteral(target.artifactLocation.replace(/\/$/, ''));
  return [
    `insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
       end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
     select ${id}, ${sqlOf.name}, 'UNKNOWN', '', '', 'bench', 'FINISHED', ${sqlOf.startTime}, ${sqlOf.startTime} + 60000,
       '', 'active', ${location} || '/' || ${id} || '/artifacts', ${exp} from ${series}`,
    `insert into tags (run_uuid, key, value)
     select ${id}, 'mlflow.runName', ${sqlOf.name} from ${series}
     ${sqlOf.tags.map((t) => `union all select ${id}, ${t.key}, ${t.value} from ${series}`).join('\n')}`,
    `insert into params (run_uuid, key, value) select ${id}, 'p' || k, ${sqlOf.paramValue} from ${series}, ${keys(PARAMS)}`,
    ...['metrics', 'latest_metrics'].map(
      (table) => `insert into ${table} (run_uuid, key, value, timestamp, step, is_nan)
       select ${id}, 'm' || k, ${sqlOf.metricValue}, ${sqlOf.startTime} + 500, 0, false from ${series}, ${keys(METRICS)}`,
    ),
  ];
}

/** Tables holding one row per run and key: their indexes are rebuilt after loading rather than kept. */
const CHILD_TABLES = ['params', 'tags', 'metrics', 'latest_metrics'];

/**
 * Drops the indexes and primary keys of the child tables and returns the statements that rebuild
 * them: building an index once over sorted input is several times faster than inserting 10
 * million random run ids into it row by row, and both systems are loaded the same way.
 */
async function dropChildIndexes(client: pg.Client): Promise<string[]> {
  const { rows: constraints } = await client.query<{ statement: string; drop: string }>(
    `select format('alter table %I add constraint %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) as statement,
            format('alter table %I drop constraint %I', c.conrelid::regclass, c.conname) as drop
     from pg_constraint c where c.contype in ('p', 'u') and c.conrelid::regclass::text = any($1)`,
    [CHILD_TABLES],
  );
  for (const c of constraints) await client.query(c.drop);
  const { rows: indexes } = await client.query<{ indexdef: string; indexname: string }>(
    `select indexdef, indexname from pg_indexes where schemaname = 'public' and tablename = any($1)`,
    [CHILD_TABLES],
  );
  for (const index of indexes) await client.query(`drop index ${pg.escapeIdentifier(index.indexname)}`);
  return [...constraints.map((c) => c.statement), ...indexes.map((i) => i.indexdef)];
}

/** Rows one run adds across the tables: the run, 3 tags + mlflow.runName, params, metrics twice. */
const ROWS_PER_RUN = 1 + 1 + sqlOf.tags.length + PARAMS + 2 * METRICS;

/**
 * Writes `runs` runs into a system's own tables with multi-row INSERT … SELECT generated inside
 * PostgreSQL, `chunkRuns` runs per transaction, then VACUUM ANALYZE. Foreign-key triggers are off
 * for the loading session (session_replication_role = replica): every row refers to a run of the
 * same transaction by construction, and 30 million trigger lookups would double the load time.
 */
export async function bulkLoad(
  target: LoadTarget,
  runs: number,
  chunkRuns: number,
  progress: (done: number, runsPerSecond: number) => void,
): Promise<LoadResult> {
  const client = new pg.Client({ connectionString: target.databaseUrl });
  await client.connect();
  const statements = target.system === 'mloop' ? mloopStatements(target) : mlflowStatements(target);
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    await client.query(`set session_replication_role = replica`);
    await client.query(`set synchronous_commit = off`);
    await client.query(`set maintenance_work_mem = '512MB'`);
    const rebuild = await dropChildIndexes(client);
    for (let from = 0; from < runs; from += chunkRuns) {
      const to = Math.min(runs, from + chunkRuns);
      await client.query('begin');
      for (const statement of statements) await client.query(statement, [from, to]);
      await client.query('commit');
      progress(to, to / seconds());
    }
    const indexStart = process.hrtime.bigint();
    for (const statement of rebuild) await client.query(statement);
    const indexSeconds = Number(process.hrtime.bigint() - indexStart) / 1e9;
    const loadSeconds = seconds();
    const analyzeStart = process.hrtime.bigint();
    await client.query('vacuum analyze');
    const analyzeSeconds = Number(process.hrtime.bigint() - analyzeStart) / 1e9;
    const { rows } = await client.query<{ bytes: string }>(
      'select pg_database_size(current_database()) as bytes',
    );
    return {
      runs,
      rows: runs * ROWS_PER_RUN,
      seconds: loadSeconds,
      indexSeconds,
      analyzeSeconds,
      databaseBytes: Number(rows[0]?.bytes ?? 0),
    };
  } finally {
    await client.end();
  }
}
