import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBAppender,
  type DuckDBResult,
  type DuckDBType,
} from '@duckdb/node-api';
import { invalidParameter, isMloopError } from '../../core/errors.js';
import { sha256OfFile } from '../../core/hashing.js';
import { quoteIdentifier, quoteLiteral } from '../../store/duckdb.js';
import { fileColumns, readTableSql } from '../../store/duckdb-read.js';
import { ModelRuntime, type ModelRuntimeOptions, type Prediction } from '../model-runtime.js';
import { resolveModelRef, type ModelSource } from '../served-models.js';
import { copyOptions, formatOf, type TableFormat } from './file-formats.js';
import { parseChunks, type FeaturePositions } from './input-records.js';
import {
  modelColumnTypes,
  modelNameColumn,
  modelVersionColumn,
  predictionColumns,
  type PredictionColumn,
} from './prediction-columns.js';

export interface BatchScoringRequest {
  /** `NAME@ALIAS`, `NAME/VERSION`, `NAME/latest`, or `NAME`. */
  ref: string;
  /** A CSV (with a header row), Parquet, JSON lines or JSON file. */
  input: string;
  /** Where to write the scored rows; the format follows the extension. Replaced if it exists. */
  output: string;
  /** Input columns copied to the output before the predictions: all (default), none, or these. */
  keep?: 'all' | 'none' | readonly string[];
  /** Rows scored per onnxruntime call (default 10,000); memory use grows with it. */
  chunkRows?: number;
  /** Told after each chunk; `totalRows` is counted before scoring starts. */
  onProgress?: (progress: BatchProgress) => void;
  runtime?: ModelRuntimeOptions;
  /** Stops the job between chunks; nothing is written. */
  signal?: AbortSignal;
}

export interface BatchProgress {
  rows: number;
  totalRows: number;
}

/** What a scoring job did, to print or to record next to its output. */
export interface BatchScoringSummary {
  model: string;
  version: number;
  /** sha256 of the model's ONNX file. */
  modelSha256: string;
  rows: number;
  seconds: number;
  input: { path: string; format: TableFormat; sha256: string };
  output: { path: string; format: TableFormat; columns: string[] };
}

export const defaultChunkRows = 10_000;

/**
 * Scores a file with a registered model, chunk by chunk: DuckDB streams the input (so it may be
 * larger than memory), each chunk is validated and scored as online serving does, and the scored
 * rows go to a DuckDB table on disk that is finally copied out in the requested format. Output
 * columns: the kept input columns, the prediction columns, then `model_name` and `model_version`.
 *
 * Everything is written beside the output in a temporary directory and renamed into place only
 * when every row has been scored, so a failure (a missing feature column, a wrongly typed value,
 * which the error names by row and column) leaves no output behind.
 */
export async function scoreFile(
  source: ModelSource,
  request: BatchScoringRequest,
): Promise<BatchScoringSummary> {
  const started = performance.now();
  const input = resolve(request.input);
  const output = resolve(request.output);
  const inputFormat = formatOf(input, 'input');
  const outputFormat = formatOf(output, 'output');
  const chunkRows = request.chunkRows ?? defaultChunkRows;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw invalidParameter('chunkRows', `chunkRows must be a positive integer, got ${chunkRows}`);
  }
  await checkPaths(input, output);

  const version = await resolveModelRef(source, request.ref);
  const runtime = await ModelRuntime.load(await source.read(version), request.runtime);
  const inputHash = sha256OfFile(input);
  inputHash.catch(() => undefined);
  const work = await mkdtemp(join(dirname(output), '.mloop-predict-'));
  // An on-disk database: scored rows wait there, not in memory, until they are copied out.
  const instance = await DuckDBInstance.create(join(work, 'scoring.duckdb'));
  const reader = await DuckDBConnection.create(instance);
  const writer = await DuckDBConnection.create(instance);
  const fileName = basename(input);
  try {
    const plan = await planColumns(reader, runtime, input, inputFormat, request.keep ?? 'all');
    const totalRows = request.onProgress ? await countRows(reader, plan.relation, fileName) : 0;
    const stream = await readFailure(fileName, () =>
      reader.stream(`SELECT ${plan.selected.map(quoteIdentifier).join(', ')} FROM ${plan.relation}`),
    );
    stream.columnTypes().forEach((type, i) => {
      if (type.alias === 'JSON') plan.positions.jsonColumns.add(i);
    });
    let table: OutputTable | undefined;
    let rows = 0;
    for (;;) {
      request.signal?.throwIfAborted();
      const chunks = await nextChunks(stream, chunkRows, fileName);
      if (chunks.length === 0) break;
      const batch = parseChunks(chunks, plan.positions, rows + 1, fileName, inputFormat === 'csv');
      const predictions = await runtime.predictBatch(batch);
      table ??= await createOutputTable(writer, plan, predictionColumns(runtime, predictions[0]));
      appendScored(table, chunks, plan, predictions, version);
      rows += batch.size;
      request.onProgress?.({ rows, totalRows: Math.max(totalRows, rows) });
    }
    table ??= await createOutputTable(writer, plan, predictionColumns(runtime, undefined));
    table.appender.closeSync();
    request.signal?.throwIfAborted();
    const staged = join(work, `scored${extname(output)}`);
    await writer.run(`COPY scored TO ${quoteLiteral(staged)} ${copyOptions(outputFormat)}`);
    await rename(staged, output);
    return {
      model: version.name,
      version: version.version,
      modelSha256: runtime.sha256,
      rows,
      seconds: (performance.now() - started) / 1000,
      input: { path: input, format: inputFormat, sha256: await inputHash },
      output: { path: output, format: outputFormat, columns: table.columns },
    };
  } finally {
    reader.closeSync();
    writer.closeSync();
    instance.closeSync();
    await runtime.release();
    await rm(work, { recursive: true, force: true });
  }
}

/** Which input columns are read, which are kept, and where the features are among them. */
interface ColumnPlan {
  relation: string;
  /** Columns streamed from the input: the kept ones first, then features not kept. */
  selected: string[];
  kept: string[];
  positions: FeaturePositions & { jsonColumns: Set<number> };
}

async function planColumns(
  connection: DuckDBConnection,
  runtime: ModelRuntime,
  input: string,
  format: TableFormat,
  keep: 'all' | 'none' | readonly string[],
): Promise<ColumnPlan> {
  const fileName = basename(input);
  const features = runtime.metadata.inputs;
  // The file's types are found once (one pass); the probe, count and stream then read with them.
  const columnTypes = await readFailure(fileName, () => fileColumns(connection, format, [input]));
  const sniffed = columnTypes.map((c) => c.name);
  const present = new Set(sniffed);
  const missing = features.filter((f) => !f.optional && !present.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    throw invalidParameter(
      'input',
      `${fileName} has no column ${missing.map((m) => `"${m}"`).join(', ')}, which the model needs ` +
        `(it takes ${features.map((f) => f.name).join(', ')}); nothing was written`,
    );
  }
  const textColumns = features.filter((f) => f.type === 'string' && present.has(f.name)).map((f) => f.name);
  const relation = readTableSql(format, [input], { columnTypes, textColumns });
  const kept = keep === 'all' ? sniffed : keep === 'none' ? [] : [...keep];
  const unknown = kept.filter((c) => !present.has(c));
  if (unknown.length > 0) {
    throw invalidParameter(
      'keep',
      `${fileName} has no column ${unknown.map((c) => `"${c}"`).join(', ')} to keep; its columns are ${sniffed.join(', ')}`,
    );
  }
  const selected = [...new Set(kept)];
  const columnOf = new Map<string, number>();
  for (const feature of features) {
    if (!present.has(feature.name)) continue;
    let index = selected.indexOf(feature.name);
    if (index < 0) index = selected.push(feature.name) - 1;
    columnOf.set(feature.name, index);
  }
  return {
    relation,
    selected,
    kept: [...new Set(kept)],
    positions: { features, columnOf, jsonColumns: new Set() },
  };
}

interface OutputTable {
  appender: DuckDBAppender;
  types: DuckDBType[];
  columns: string[];
  predictions: PredictionColumn[];
}

async function createOutputTable(
  connection: DuckDBConnection,
  plan: ColumnPlan,
  predictions: PredictionColumn[],
): Promise<OutputTable> {
  const added = [
    ...predictions.map((c) => ({ name: c.name, type: c.type })),
    { name: modelNameColumn, type: modelColumnTypes.name },
    { name: modelVersionColumn, type: modelColumnTypes.version },
  ];
  const clash = plan.kept.filter((c) => added.some((a) => a.name === c));
  if (clash.length > 0) {
    throw invalidParameter(
      'keep',
      `input column ${clash.map((c) => `"${c}"`).join(', ')} has the name of an output column ` +
        `(${added.map((a) => a.name).join(', ')}): keep fewer input columns, or rename it`,
    );
  }
  // The kept columns take their types from the input itself (LIMIT 0 reads no rows).
  const select = [
    ...plan.kept.map(quoteIdentifier),
    ...added.map((a) => `CAST(NULL AS ${a.type.toString()}) AS ${quoteIdentifier(a.name)}`),
  ];
  await connection.run(`CREATE TABLE scored AS SELECT ${select.join(', ')} FROM ${plan.relation} LIMIT 0`);
  const described = await connection.run('SELECT * FROM scored LIMIT 0');
  return {
    appender: await connection.createAppender('scored'),
    types: described.columnTypes(),
    columns: described.columnNames(),
    predictions,
  };
}

/** Appends one scored chunk per input chunk: DuckDB's chunks hold at most 2,048 rows each. */
function appendScored(
  table: OutputTable,
  chunks: readonly DuckDBDataChunk[],
  plan: ColumnPlan,
  predictions: readonly Prediction[],
  version: { name: string; version: number },
): void {
  let offset = 0;
  for (const chunk of chunks) {
    const n = chunk.rowCount;
    const out = DuckDBDataChunk.create(table.types, n);
    plan.kept.forEach((_, i) => out.setColumnValues(i, chunk.getColumnValues(i)));
    const scored = predictions.slice(offset, offset + n);
    let column = plan.kept.length;
    for (const p of table.predictions)
      out.setColumnValues(
        column++,
        scored.map((s) => p.valueOf(s)),
      );
    out.setColumnValues(column++, new Array<string>(n).fill(version.name));
    out.setColumnValues(column, new Array<number>(n).fill(version.version));
    table.appender.appendDataChunk(out);
    offset += n;
  }
}

/** The next chunks of the stream holding together at least `rows` rows (fewer at the end). */
async function nextChunks(stream: DuckDBResult, rows: number, fileName: string): Promise<DuckDBDataChunk[]> {
  const chunks: DuckDBDataChunk[] = [];
  let count = 0;
  while (count < rows) {
    const chunk = await readFailure(fileName, () => stream.fetchChunk());
    if (!chunk || chunk.rowCount === 0) break;
    chunks.push(chunk);
    count += chunk.rowCount;
  }
  return chunks;
}

async function countRows(connection: DuckDBConnection, relation: string, fileName: string): Promise<number> {
  const reader = await readFailure(fileName, () =>
    connection.runAndReadAll(`SELECT count(*) FROM ${relation}`),
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/** DuckDB's own errors (a malformed file, a value its type sniffing did not expect) as input errors. */
async function readFailure<T>(fileName: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isMloopError(error)) throw error;
    const message = (error instanceof Error ? error.message : String(error)).trim();
    throw invalidParameter('input', `cannot read ${fileName}: ${message}; nothing was written`);
  }
}

async function checkPaths(input: string, output: string): Promise<void> {
  const file = await stat(input).catch(() => undefined);
  // A file the user names is input, not a resource of mloop's: invalid input (exit 3), as for training.
  if (!file?.isFile()) throw invalidParameter('input', `No input file at ${input}`);
  if (input === output) {
    throw invalidParameter('output', 'the output must be another file than the input');
  }
  const dir = await stat(dirname(output)).catch(() => undefined);
  if (!dir?.isDirectory()) {
    throw invalidParameter(
      'output',
      `the output's directory ${dirname(output)} does not exist: create it first`,
    );
  }
}
