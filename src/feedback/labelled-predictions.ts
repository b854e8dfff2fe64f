import { sql, type Kysely } from 'kysely';
import type {
  LabelledPrediction,
  LabelledPredictionReader,
  PredictionCount,
  PredictionFilter,
} from '../monitoring/performance/labelled-predictions.js';
import { invalidParameter } from '../core/errors.js';
import type { Prediction } from '../serving/model-runtime.js';
import {
  decodePredictionCursor,
  encodePredictionCursor,
  type PredictionCursor,
} from '../serving/prediction-cursor.js';
import type { Page } from '../tracking/types.js';
import type { LabelValue } from './labels.js';
import type { FeedbackTables } from './tables.js';

const pageRows = 5000;

/**
 * Predictions joined with their labels in the metadata database. Counting is one GROUP BY, so
 * unlabelled predictions are never read row by row; labelled ones are read in pages by keyset on
 * (time, id), so memory holds a page at a time.
 */
export class SqlLabelledPredictions implements LabelledPredictionReader {
  constructor(private readonly db: Kysely<FeedbackTables>) {}

  async countPredictions(filter: PredictionFilter, windowMs: number): Promise<PredictionCount[]> {
    // Integer division in both dialects (`time` is an integer column, the length an integer literal).
    const start =
      windowMs > 0
        ? sql<number>`(p.time / ${sql.lit(windowMs)}) * ${sql.lit(windowMs)}`
        : sql<number>`${sql.lit(filter.from)}`;
    const rows = await this.filtered(filter)
      .select([start.as('window_start'), 'p.version', 'p.arm', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy([sql`1`, 'p.version', 'p.arm'])
      .execute();
    return rows.map((r) => ({
      windowStart: Number(r.window_start),
      version: Number(r.version),
      arm: r.arm,
      count: Number(r.n),
    }));
  }

  async *labelledPredictions(filter: PredictionFilter): AsyncIterable<LabelledPrediction[]> {
    let after: PredictionCursor | undefined;
    for (;;) {
      const rows = await this.read(filter, after, pageRows);
      if (rows.length > 0) yield rows;
      const last = rows[rows.length - 1];
      if (rows.length < pageRows || !last) return;
      after = { time: last.time, id: last.id };
    }
  }

  /** One page of labelled predictions, oldest first, for readers over HTTP. */
  async page(
    filter: PredictionFilter,
    maxResults = 1000,
    pageToken?: string | undefined,
  ): Promise<Page<LabelledPrediction>> {
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > pageRows) {
      throw invalidParameter('maxResults', `maxResults must be an integer from 1 to ${pageRows}`);
    }
    const rows = await this.read(filter, decodePredictionCursor(pageToken), maxResults + 1);
    const items = rows.slice(0, maxResults);
    const last = items[items.length - 1];
    return {
      items,
      nextPageToken: rows.length > maxResults && last ? encodePredictionCursor(last) : undefined,
    };
  }

  private async read(
    filter: PredictionFilter,
    after: PredictionCursor | undefined,
    limit: number,
  ): Promise<LabelledPrediction[]> {
    let query = this.filtered(filter)
      .innerJoin('feedback as f', 'f.prediction_id', 'p.id')
      .select(['p.id', 'p.time', 'p.version', 'p.arm', 'p.deployment', 'p.inputs', 'p.outputs', 'f.label']);
    if (after) {
      const { time, id } = after;
      query = query.where((eb) =>
        eb.or([eb('p.time', '>', time), eb.and([eb('p.time', '=', time), eb('p.id', '>', id)])]),
      );
    }
    const rows = await query.orderBy('p.time', 'asc').orderBy('p.id', 'asc').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      time: Number(r.time),
      version: Number(r.version),
      arm: r.arm,
      deployment: r.deployment ?? undefined,
      inputs: JSON.parse(r.inputs) as Record<string, unknown>,
      outputs: JSON.parse(r.outputs) as Prediction,
      label: JSON.parse(r.label) as LabelValue,
    }));
  }

  private filtered(filter: PredictionFilter) {
    let query = this.db
      .selectFrom('predictions as p')
      .where('p.model', '=', filter.model)
      .where('p.time', '>=', filter.from)
      .where('p.time', '<', filter.to)
      .where('p.arm', '!=', 'shadow');
    if (filter.version !== undefined) query = query.where('p.version', '=', filter.version);
    if (filter.deployment !== undefined) query = query.where('p.deployment', '=', filter.deployment);
    return query;
  }
}
