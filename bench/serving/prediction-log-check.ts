import { HttpClient } from '../tracking/http-client.js';

export interface PredictionLogCheck {
  /** Successful mloop requests of one record each, warm-ups and checks included. */
  expected: number;
  /** Rows `GET /api/v1/predictions?model=` returns, page by page. */
  logged: number;
  ok: boolean;
  seconds: number;
}

/**
 * Counts the model's rows in mloop's prediction log through the API (the list flushes queued
 * rows first, so none still in memory are missed): one row per successful single-record request.
 */
export async function checkPredictionLog(
  baseUrl: string,
  model: string,
  expected: number,
): Promise<PredictionLogCheck> {
  const client = new HttpClient(baseUrl);
  const start = process.hrtime.bigint();
  let logged = 0;
  let pageToken: string | undefined;
  try {
    do {
      const query: Record<string, string | number> = { model, maxResults: 1000 };
      if (pageToken) query.pageToken = pageToken;
      const response = await client.get('/api/v1/predictions', query);
      if (response.status !== 200) {
        throw new Error(`GET /api/v1/predictions -> ${response.status}: ${response.body.slice(0, 300)}`);
      }
      const page = JSON.parse(response.body) as { predictions: unknown[]; nextPageToken?: string };
      logged += page.predictions.length;
      pageToken = page.nextPageToken;
    } while (pageToken);
  } finally {
    client.close();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { expected, logged, ok: logged === expected, seconds };
}
