import type { BenchConfig } from './config.js';
import type { HttpClient } from './http-client.js';
import { expectedSearch } from './run-specs.js';
import { elapsedMs, summarize, type LatencySummary } from './stats.js';
import { parseSearchPage, SEARCH_RUNS, searchRunsBody } from './tracking-api.js';

type SearchSettings = BenchConfig['search'];

/** The searches timed: the one the issue names, and the same filter in the default order. */
export const SEARCHES = {
  ordered: { orderBy: ['metrics.acc DESC'], expectedOrder: 'acc' },
  filterOnly: { orderBy: [], expectedOrder: 'default' },
} as const;
export type SearchName = keyof typeof SEARCHES;

const MIN_SAMPLES = 3;

export interface SearchTiming {
  orderBy: readonly string[];
  latencyMs: LatencySummary;
  warmupRequests: number;
  /** Whether every timed answer held exactly the expected first page, in order. */
  answersOk: boolean;
}

export interface SearchResult {
  runs: number;
  filter: string;
  maxResults: number;
  /** All runs matching the filter, read page by page, against the count computed from the specs. */
  matches: { expected: number; found: number };
  timings: Record<SearchName, SearchTiming>;
  ok: boolean;
}

/**
 * Search latency over the populated experiment. Each search is repeated one request at a time
 * (after a warm-up), so a sample is one request's full round trip; every answer is compared with
 * the first page computed from the run specs.
 */
export async function runSearch(
  client: HttpClient,
  experimentId: string,
  settings: SearchSettings,
  log: (message: string) => void,
): Promise<SearchResult> {
  const found = await countMatches(client, experimentId, settings.filter);
  const expectedMatches = expectedSearch(settings.runs, settings.threshold, 0, 'default').matches;
  const timings = {} as Record<SearchName, SearchTiming>;
  for (const name of Object.keys(SEARCHES) as SearchName[]) {
    timings[name] = await timeSearch(client, experimentId, settings, name);
    const { p50, count } = timings[name].latencyMs;
    log(`search ${name}: p50 ${p50.toFixed(1)} ms over ${count} requests`);
  }
  return {
    runs: settings.runs,
    filter: settings.filter,
    maxResults: settings.maxResults,
    matches: { expected: expectedMatches, found },
    timings,
    ok: found === expectedMatches && Object.values(timings).every((t) => t.answersOk),
  };
}

async function timeSearch(
  client: HttpClient,
  experimentId: string,
  settings: SearchSettings,
  name: SearchName,
): Promise<SearchTiming> {
  const { orderBy, expectedOrder } = SEARCHES[name];
  const body = searchRunsBody({
    experimentIds: [experimentId],
    filter: settings.filter,
    orderBy: [...orderBy],
    maxResults: settings.maxResults,
  });
  const expected = expectedSearch(settings.runs, settings.threshold, settings.maxResults, expectedOrder);
  const budgetMs = settings.budgetSeconds * 1000;

  // Warm-up: up to `warmup` requests within a tenth of the budget, at least one.
  const warmupStart = process.hrtime.bigint();
  let warmupRequests = 0;
  while (
    warmupRequests < settings.warmup &&
    (warmupRequests === 0 || elapsedMs(warmupStart) < budgetMs / 10)
  ) {
    parseSearchPage(await client.post(SEARCH_RUNS, body));
    warmupRequests++;
  }

  const latencies: number[] = [];
  let answersOk = true;
  const start = process.hrtime.bigint();
  while (
    latencies.length < settings.requests &&
    (latencies.length < MIN_SAMPLES || elapsedMs(start) < budgetMs)
  ) {
    const sent = process.hrtime.bigint();
    const response = await client.post(SEARCH_RUNS, body);
    latencies.push(elapsedMs(sent));
    const names = parseSearchPage(response).runNames;
    if (names.length !== expected.firstPage.length || names.some((n, i) => n !== expected.firstPage[i])) {
      answersOk = false;
    }
  }
  return { orderBy, latencyMs: summarize(latencies), warmupRequests, answersOk };
}

/** Pages through every run matching the filter (1000 a page, default order) and counts them. */
export async function countMatches(
  client: HttpClient,
  experimentId: string,
  filter: string,
): Promise<number> {
  let found = 0;
  let pageToken: string | undefined;
  do {
    const body = searchRunsBody({
      experimentIds: [experimentId],
      filter,
      orderBy: [],
      maxResults: 1000,
      pageToken,
    });
    const page = parseSearchPage(await client.post(SEARCH_RUNS, body));
    found += page.runNames.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return found;
}
