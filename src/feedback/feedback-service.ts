import { sql, type Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { invalidParameter, MloopError, notFound } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Prediction } from '../serving/model-runtime.js';
import type { PredictionLog } from '../serving/prediction-log.js';
import type { PredictionRow } from '../serving/tables.js';
import { canonicalLabel, labelSpaceOf, type LabelValue } from './labels.js';
import type { FeedbackRow, FeedbackTables } from './tables.js';

/**
 * One label as a caller sends it. `predictionId` names the prediction; when the caller does not
 * know it, `requestKey` (the key it sent with the request) labels the most recent prediction made
 * with that key, of `model` when given: a key names a user or session, and the label is about the
 * latest thing the model said about them.
 */
export interface LabelInput {
  predictionId?: string | undefined;
  requestKey?: string | undefined;
  model?: string | undefined;
  label: unknown;
}

/** A stored label. */
export interface Feedback {
  predictionId: string;
  model: string;
  version: number;
  label: LabelValue;
  source: string | undefined;
  /** When the first label arrived, ms since the epoch. */
  createdTime: number;
  /** When the current label arrived. */
  updatedTime: number;
  /** 1 for the first label, +1 for each different label that replaced it. */
  revision: number;
}

export interface AttachOptions {
  /** Where the labels come from (`api`, a file name…), kept with each label. */
  source?: string | undefined;
}

export interface AttachResult {
  /** Labels in the request (after merging repeats of one prediction: the last wins). */
  received: number;
  /** Predictions labelled for the first time. */
  created: number;
  /** Predictions whose label changed. */
  updated: number;
  /** Predictions that already had this label: sending a label twice changes nothing. */
  unchanged: number;
  labels: Feedback[];
}

/** Reads the classes a model version knows; undefined when it does not say (or is gone). */
export type VersionClasses = (model: string, version: number) => Promise<Array<string | number> | undefined>;

export interface FeedbackDependencies {
  db: Kysely<FeedbackTables>;
  log: PredictionLog;
  clock: Clock;
  events: EventBus;
  versionClasses: VersionClasses;
}

/** The most labels one call takes; files go in batches of this many. */
export const maxLabelsPerRequest = 10_000;
const chunkRows = 500;

type PredictionRef = Pick<PredictionRow, 'id' | 'model' | 'version' | 'outputs'>;

/**
 * Ground truth for logged predictions. `attach` checks a whole request before writing any of it
 * (all or nothing) and is idempotent: the same label twice is stored once, a different label
 * replaces the earlier one and bumps its revision.
 */
export class FeedbackService {
  constructor(private readonly deps: FeedbackDependencies) {}

  /**
   * Attaches labels to predictions. Fails with 404 naming `labels[i].prediction_id` (or
   * `.request_key`) when a prediction is unknown, and 400 naming `labels[i].label` when a label
   * does not fit the model (a class it does not know, a regressor's label that is not a number).
   */
  async attach(labels: readonly LabelInput[], options: AttachOptions = {}): Promise<AttachResult> {
    if (labels.length === 0) throw invalidParameter('labels', 'labels must hold at least one label');
    if (labels.length > maxLabelsPerRequest) {
      throw invalidParameter(
        'labels',
        `labels holds ${labels.length} labels; send at most ${maxLabelsPerRequest} per request`,
      );
    }
    const predictions = await this.findPredictions(labels);
    const rows = await this.checkLabels(labels, predictions, options.source);
    const result = await this.store(rows);
    const perModel = new Map<string, number>();
    for (const row of rows.values()) perModel.set(row.model, (perModel.get(row.model) ?? 0) + 1);
    for (const [model, count] of perModel) this.deps.events.emit('feedback.received', { model, count });
    return result;
  }

  /** The label of one prediction. */
  async get(predictionId: string): Promise<Feedback> {
    const row = await this.deps.db
      .selectFrom('feedback')
      .selectAll()
      .where('prediction_id', '=', predictionId)
      .executeTakeFirst();
    if (!row) throw notFound(`Prediction '${predictionId}' has no label`);
    return fromRow(row);
  }

  /**
   * The prediction each label is about, by index. A label may arrive right after its prediction,
   * before the log's background write: whatever is missing is looked up again after a flush.
   */
  private async findPredictions(input: readonly LabelInput[]): Promise<PredictionRef[]> {
    const labels = input.map((l, i) => checkReference(l, i));
    let found = await this.lookUp(labels);
    if (found.some((p) => p === undefined)) {
      await this.deps.log.flush();
      found = await this.lookUp(labels, found);
    }
    const missing = found.findIndex((p) => p === undefined);
    if (missing >= 0) {
      const l = labels[missing]!;
      const byId = l.predictionId !== undefined;
      const field = `labels[${missing}].${byId ? 'prediction_id' : 'request_key'}`;
      throw new MloopError(
        'RESOURCE_DOES_NOT_EXIST',
        byId
          ? `${field}: no prediction with id '${l.predictionId}'`
          : `${field}: no prediction with request key '${l.requestKey}'${l.model ? ` of model '${l.model}'` : ''}`,
        field,
      );
    }
    return found as PredictionRef[];
  }

  private async lookUp(
    labels: readonly LabelInput[],
    known: Array<PredictionRef | undefined> = [],
  ): Promise<Array<PredictionRef | undefined>> {
    const ids = [
      ...new Set(labels.filter((l, i) => !known[i] && l.predictionId).map((l) => l.predictionId!)),
    ];
    const byId = new Map<string, PredictionRef>();
    for (let i = 0; i < ids.length; i += chunkRows) {
      const rows = await this.deps.db
        .selectFrom('predictions')
        .select(['id', 'model', 'version', 'outputs'])
        .where('id', 'in', ids.slice(i, i + chunkRows))
        .execute();
      for (const row of rows) byId.set(row.id, row);
    }
    const found: Array<PredictionRef | undefined> = [];
    for (const [i, l] of labels.entries()) {
      if (known[i]) found.push(known[i]);
      else if (l.predictionId !== undefined) found.push(byId.get(l.predictionId));
      else found.push(await this.latestByKey(l.requestKey!, l.model));
    }
    return found;
  }

  private async latestByKey(key: string, model: string | undefined): Promise<PredictionRef | undefined> {
    let query = this.deps.db
      .selectFrom('predictions')
      .select(['id', 'model', 'version', 'outputs'])
      .where('request_key', '=', key)
      // Shadow copies are never answered to the caller, so the key's label is not about them.
      .where('arm', '!=', 'shadow');
    if (model !== undefined) query = query.where('model', '=', model);
    return query.orderBy('time', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** Checks every label against its model and returns the rows to store, one per prediction. */
  private async checkLabels(
    labels: readonly LabelInput[],
    predictions: PredictionRef[],
    source: string | undefined,
  ): Promise<Map<string, Omit<FeedbackRow, 'created_time' | 'updated_time' | 'revision'>>> {
    const classes = new Map<string, Promise<Array<string | number> | undefined>>();
    const rows = new Map<string, Omit<FeedbackRow, 'created_time' | 'updated_time' | 'revision'>>();
    for (const [i, l] of labels.entries()) {
      const p = predictions[i]!;
      const key = `${p.model}/${p.version}`;
      if (!classes.has(key)) classes.set(key, this.deps.versionClasses(p.model, Number(p.version)));
      const outputs = JSON.parse(p.outputs) as Prediction;
      const space = labelSpaceOf(outputs, await classes.get(key));
      const label = canonicalLabel(l.label, space, `labels[${i}].label`);
      rows.set(p.id, {
        prediction_id: p.id,
        model: p.model,
        version: Number(p.version),
        label: JSON.stringify(label),
        source: source ?? null,
      });
    }
    return rows;
  }

  /** Upserts in one transaction; a label equal to the stored one leaves the row as it is. */
  private async store(
    rows: Map<string, Omit<FeedbackRow, 'created_time' | 'updated_time' | 'revision'>>,
  ): Promise<AttachResult> {
    const now = this.deps.clock.now();
    const all = [...rows.values()];
    const result: AttachResult = { received: all.length, created: 0, updated: 0, unchanged: 0, labels: [] };
    await this.deps.db.transaction().execute(async (tx) => {
      for (let i = 0; i < all.length; i += chunkRows) {
        const chunk = all.slice(i, i + chunkRows);
        const before = new Map(
          (
            await tx
              .selectFrom('feedback')
              .select(['prediction_id', 'label'])
              .where(
                'prediction_id',
                'in',
                chunk.map((r) => r.prediction_id),
              )
              .execute()
          ).map((r) => [r.prediction_id, r.label]),
        );
        for (const r of chunk) {
          const old = before.get(r.prediction_id);
          if (old === undefined) result.created++;
          else if (old === r.label) result.unchanged++;
          else result.updated++;
        }
        // The CASEs keep the upsert atomic under concurrent writers: only a different label
        // moves the revision and the time.
        const stored = await tx
          .insertInto('feedback')
          .values(chunk.map((r) => ({ ...r, created_time: now, updated_time: now, revision: 1 })))
          .onConflict((oc) =>
            oc.column('prediction_id').doUpdateSet({
              revision: sql`case when feedback.label = excluded.label then feedback.revision else feedback.revision + 1 end`,
              updated_time: sql`case when feedback.label = excluded.label then feedback.updated_time else excluded.updated_time end`,
              source: sql`case when feedback.label = excluded.label then feedback.source else excluded.source end`,
              label: sql`excluded.label`,
            }),
          )
          .returningAll()
          .execute();
        result.labels.push(...stored.map(fromRow));
      }
    });
    return result;
  }
}

function checkReference(l: LabelInput, i: number): LabelInput {
  const hasId = typeof l.predictionId === 'string' && l.predictionId !== '';
  const hasKey = typeof l.requestKey === 'string' && l.requestKey !== '';
  if (hasId === hasKey) {
    throw invalidParameter(
      `labels[${i}].prediction_id`,
      `labels[${i}] needs a prediction_id (or, when the id is unknown, a request_key), not ${hasId ? 'both' : 'neither'}`,
    );
  }
  return hasId
    ? { predictionId: l.predictionId, model: l.model, label: l.label }
    : { requestKey: l.requestKey, model: l.model, label: l.label };
}

function fromRow(row: FeedbackRow): Feedback {
  return {
    predictionId: row.prediction_id,
    model: row.model,
    version: Number(row.version),
    label: JSON.parse(row.label) as LabelValue,
    source: row.source ?? undefined,
    createdTime: Number(row.created_time),
    updatedTime: Number(row.updated_time),
    revision: Number(row.revision),
  };
}
