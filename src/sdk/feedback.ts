import type { AttachResult, Feedback, LabelInput } from '../feedback/feedback-service.js';
import type { LabelledPrediction } from '../monitoring/performance/labelled-predictions.js';
import type { PerformanceReport } from '../monitoring/performance/performance-report.js';
import type { Page } from '../tracking/types.js';
import type { HttpClient } from './http.js';

/** Which predictions a performance report or an export covers. */
export interface PerformanceRange {
  /** Inclusive start, ms since the epoch; 24 hours before `to` by default. */
  from?: number;
  /** Exclusive end, ms; now by default. */
  to?: number;
  version?: number;
  /** The version this alias points at now (instead of `version`). */
  alias?: string;
  deployment?: string;
}

export interface PerformanceOptions extends PerformanceRange {
  /** Window length such as `15m`, `1h` or `1d`; one window over the range when omitted. */
  window?: string;
  /** Split by deployment arm too. */
  byArm?: boolean;
}

const models = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

/** Ground truth for predictions, and a model's performance measured from it. */
export class FeedbackClient {
  constructor(private readonly http: HttpClient) {}

  /**
   * Attaches labels to predictions by id (`{predictionId, label}`), or to the latest prediction
   * made with a request key (`{requestKey, model?, label}`). All or nothing; sending the same
   * label again changes nothing. At most 10,000 labels per call.
   */
  async attach(labels: readonly LabelInput[], options: { source?: string } = {}): Promise<AttachResult> {
    return this.http.json<AttachResult>('POST', '/api/v1/feedback', {
      json: {
        labels: labels.map((l) => ({
          prediction_id: l.predictionId,
          request_key: l.requestKey,
          model: l.model,
          label: l.label,
        })),
        ...(options.source !== undefined ? { source: options.source } : {}),
      },
    });
  }

  /** The label of one prediction; RESOURCE_DOES_NOT_EXIST when it has none. */
  async get(predictionId: string): Promise<Feedback> {
    return this.http.json<Feedback>('GET', `/api/v1/feedback/${encodeURIComponent(predictionId)}`);
  }

  /** Accuracy, F1, AUC or RMSE, MAE, R² per window and version, with label coverage. */
  async performance(model: string, options: PerformanceOptions = {}): Promise<PerformanceReport> {
    return this.http.json<PerformanceReport>('GET', `${models(model)}/performance`, {
      query: { ...options, byArm: options.byArm === undefined ? undefined : String(options.byArm) },
    });
  }

  /** One page of a model's labelled predictions (inputs, outputs, label), oldest first. */
  async labelledPredictions(
    model: string,
    options: PerformanceRange & { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<LabelledPrediction>> {
    const page = await this.http.json<{ predictions: LabelledPrediction[]; nextPageToken?: string }>(
      'GET',
      `${models(model)}/labelled-predictions`,
      { query: { ...options } },
    );
    return { items: page.predictions, nextPageToken: page.nextPageToken };
  }
}
