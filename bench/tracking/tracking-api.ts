import type { HttpClient, HttpResponse } from './http-client.js';

/** The MLflow REST API 2.0 tracking endpoints the benchmark drives, shared by both servers. */
export const API = '/api/2.0/mlflow';

export interface KeyValue {
  key: string;
  value: string;
}

export interface WireMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

interface WireRun {
  info: { run_id: string; run_name?: string };
  data?: { metrics?: WireMetric[] };
}

/** A request that did not answer 200, with what the server said, so a report can quote it. */
export class ApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly response: HttpResponse,
  ) {
    super(`${endpoint} answered ${response.status}: ${response.body.slice(0, 500)}`);
  }
}

function parseOk<T>(endpoint: string, response: HttpResponse): T {
  if (response.status !== 200) throw new ApiError(endpoint, response);
  return JSON.parse(response.body) as T;
}

export async function createExperiment(client: HttpClient, name: string): Promise<string> {
  const endpoint = `${API}/experiments/create`;
  const body = parseOk<{ experiment_id: string }>(endpoint, await client.post(endpoint, { name }));
  return body.experiment_id;
}

export interface NewRun {
  experimentId: string;
  runName: string;
  startTime: number;
  userId: string;
  tags: KeyValue[];
}

export async function createRun(client: HttpClient, run: NewRun): Promise<string> {
  const endpoint = `${API}/runs/create`;
  const request = {
    experiment_id: run.experimentId,
    run_name: run.runName,
    start_time: run.startTime,
    user_id: run.userId,
    tags: run.tags,
  };
  const body = parseOk<{ run: WireRun }>(endpoint, await client.post(endpoint, request));
  return body.run.info.run_id;
}

export interface Batch {
  metrics?: WireMetric[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

/** The log-batch request body, serialized once so timed loops send a ready string. */
export function logBatchBody(runId: string, batch: Batch): string {
  return JSON.stringify({ run_id: runId, ...batch });
}

export const LOG_BATCH = `${API}/runs/log-batch`;

export async function logBatch(client: HttpClient, runId: string, batch: Batch): Promise<void> {
  parseOk<object>(LOG_BATCH, await client.post(LOG_BATCH, logBatchBody(runId, batch)));
}

/** Every point of one metric, following next_page_token when the server pages the history. */
export async function metricHistory(client: HttpClient, runId: string, key: string): Promise<WireMetric[]> {
  const endpoint = `${API}/metrics/get-history`;
  const points: WireMetric[] = [];
  let pageToken: string | undefined;
  do {
    const query: Record<string, string | number> = { run_id: runId, metric_key: key };
    if (pageToken) query.page_token = pageToken;
    const page = parseOk<{ metrics?: WireMetric[]; next_page_token?: string }>(
      endpoint,
      await client.get(endpoint, query),
    );
    points.push(...(page.metrics ?? []));
    pageToken = page.next_page_token;
  } while (pageToken);
  return points;
}

export interface RunSearch {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
  maxResults: number;
  pageToken?: string;
}

export const SEARCH_RUNS = `${API}/runs/search`;

export function searchRunsBody(search: RunSearch): string {
  return JSON.stringify({
    experiment_ids: search.experimentIds,
    filter: search.filter,
    order_by: search.orderBy,
    max_results: search.maxResults,
    ...(search.pageToken ? { page_token: search.pageToken } : {}),
  });
}

export interface SearchPage {
  runNames: string[];
  nextPageToken: string | undefined;
}

/** Reads a runs/search answer: the run names in order, and the token of the next page. */
export function parseSearchPage(response: HttpResponse): SearchPage {
  const body = parseOk<{ runs?: WireRun[]; next_page_token?: string }>(SEARCH_RUNS, response);
  return {
    runNames: (body.runs ?? []).map((run) => run.info.run_name ?? ''),
    nextPageToken: body.next_page_token || undefined,
  };
}
