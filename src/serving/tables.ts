/** Row shape of the prediction log (migration 0004), as the database returns it. */
export interface PredictionRow {
  id: string;
  request_id: string;
  time: number;
  model: string;
  version: number;
  deployment: string | null;
  arm: string;
  /** JSON of the record as scored (personal data redacted). */
  inputs: string;
  /** JSON of the prediction: label or value, probabilities. */
  outputs: string;
  latency_ms: number;
  request_key: string | null;
}

export interface ServingTables {
  predictions: PredictionRow;
}
