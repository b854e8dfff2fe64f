import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { once } from 'node:events';
import { invalidParameter, MloopError } from '../core/errors.js';
import type { LabelledPrediction } from '../monitoring/performance/labelled-predictions.js';
import { quoteIdentifier, quoteLiteral, withDuckDb } from '../store/duckdb.js';
import { readTableSql } from '../store/duckdb-read.js';

/** Columns the export adds after the features. */
export const exportColumns = ['label', 'prediction_id', 'model_version', 'prediction_time'] as const;

export interface ExportSummary {
  path: string;
  rows: number;
  /** Feature columns, then `label`, `prediction_id`, `model_version`, `prediction_time`. */
  columns: string[];
}

const copyFormats: Record<string, string> = {
  '.parquet': "(FORMAT 'parquet')",
  '.csv': "(FORMAT 'csv', HEADER true)",
  '.jsonl': "(FORMAT 'json')",
  '.json': "(FORMAT 'json')",
};

/**
 * Writes labelled predictions as training data: one column per feature (as logged), the label,
 * then the prediction's id, model version and time. Rows are spooled as JSON lines and DuckDB
 * types every column from all of them, so a feature keeps the type its values have. The format
 * follows the extension: .parquet, .csv or .jsonl.
 */
export async function writeLabelledPredictions(
  pages: AsyncIterable<LabelledPrediction[]>,
  output: string,
  onProgress?: (rows: number) => void,
): Promise<ExportSummary> {
  const copy = copyFormats[extname(output).toLowerCase()];
  if (!copy) throw invalidParameter('output', `--output ${output}: use a .parquet, .csv or .jsonl file`);
  const dir = await mkdtemp(join(tmpdir(), 'mloop-export-'));
  try {
    const spool = join(dir, 'rows.jsonl');
    const out = createWriteStream(spool);
    const features: string[] = [];
    const seen = new Set<string>();
    let rows = 0;
    for await (const page of pages) {
      const lines: string[] = [];
      for (const p of page) {
        for (const name of Object.keys(p.inputs)) {
          if (seen.has(name)) continue;
          if ((exportColumns as readonly string[]).includes(name)) {
            throw invalidParameter(
              'output',
              `a feature is named "${name}", which the export uses for its own column`,
            );
          }
          seen.add(name);
          features.push(name);
        }
        lines.push(
          JSON.stringify({
            ...p.inputs,
            label: p.label,
            prediction_id: p.id,
            model_version: p.version,
            prediction_time: p.time,
          }),
        );
      }
      rows += page.length;
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      onProgress?.(rows);
    }
    out.end();
    await once(out, 'close');
    if (rows === 0) {
      throw new MloopError(
        'RESOURCE_DOES_NOT_EXIST',
        'no labelled predictions in that range: attach labels first (`mloop feedback add FILE`) or widen --since',
      );
    }
    const columns = [...features, ...exportColumns];
    const select = [
      ...features.map(quoteIdentifier),
      'label',
      'prediction_id',
      'model_version',
      'epoch_ms(prediction_time) AS prediction_time',
    ].join(', ');
    await withDuckDb(async (connection) => {
      const read = readTableSql('jsonl', [spool]);
      await connection.run(`COPY (SELECT ${select} FROM ${read}) TO ${quoteLiteral(output)} ${copy}`);
    });
    return { path: output, rows, columns };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
