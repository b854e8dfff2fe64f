import type { ServingTables } from '../serving/tables.js';

/** Row shape of the `feedback` table (migration 0008), as the database returns it. */
export interface FeedbackRow {
  prediction_id: string;
  model: string;
  version: number;
  /** JSON of the label: a string, a number or a boolean. */
  label: string;
  source: string | null;
  created_time: number;
  updated_time: number;
  /** 1 for the first label; +1 each time a different label replaces it. */
  revision: number;
}

/** Feedback joins the prediction log, so its queries see both tables. */
export interface FeedbackTables extends ServingTables {
  feedback: FeedbackRow;
}
