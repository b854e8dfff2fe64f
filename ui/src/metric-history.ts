import { api, seg } from './api';
import type { Metric } from './types';

/** Bounds a chart's cost: a history longer than this many pages is drawn from its first pages. */
const maxPages = 10;

/** One metric's history of one run, in step order, from the paged history endpoint. */
export async function metricHistory(runId: string, key: string): Promise<{ x: number; y: number }[]> {
  const points: Metric[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const answer = await api.get<{ metrics: Metric[]; nextPageToken?: string }>(
      `/api/v1/runs/${seg(runId)}/metrics/${seg(key)}`,
      { maxResults: 10_000, pageToken },
    );
    points.push(...answer.metrics);
    pageToken = answer.nextPageToken;
    if (!pageToken) break;
  }
  return points
    .filter((m) => typeof m.value === 'number')
    .map((m) => ({ x: m.step, y: m.value as number }))
    .sort((a, b) => a.x - b.x);
}
