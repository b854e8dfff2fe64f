import type { HttpClient } from '../tracking/http-client.js';
import { elapsedMs, summarize, type LatencySummary } from '../tracking/stats.js';
import { parseSearchPage, SEARCH_RUNS, searchRunsBody, type RunSearch } from '../tracking/tracking-api.js';
import type { ScaleBenchConfig } from './config.js';
import { expectedPages, SEARCHES, type SearchDefinition } from './workload.js';

type SearchSettings = ScaleBenchConfig['search'];

export interface PageTiming {
  page: number;
  /** How the deep page's token was had: following tokens from page 1, or MLflow's bare offset. */
  token?: 'followed' | 'offset';
  latencyMs: LatencySummary;
  warmupRequests: number;
  /** Whether every timed answer held exactly the expected runs, in order. */
  answersOk: boolean;
  /** The first wrong answer, for the report. */
  problem?: string;
}

export interface SearchTimings {
  name: string;
  filter: string;
  orderBy: string[];
  matches: number;
  pages: PageTiming[];
}

const MIN_SAMPLES = 3;

/**
 * The token of page `page`, as a client reaches it: by following next_page_token from page 1. A
 * server whose tokens are a bare offset in base64 JSON (MLflow's: `{"offset": 100}`) is given the
 * same token for the deep page directly, built in its own encoding: following 99 pages of a
 * search that takes seconds would take the benchmark hours, and the token would be the same.
 * mloop's tokens also hold where the page ended (so a deep page reads no more than the first):
 * they are followed.
 */
export async function deepPageToken(
  client: HttpClient,
  request: RunSearch,
  secondPageToken: string,
  page: number,
): Promise<{ token: string; method: 'followed' | 'offset' }> {
  const plain = Buffer.from(secondPageToken, 'base64').toString('base64') === secondPageToken;
  const encoding = plain ? 'base64' : 'base64url';
  const text = Buffer.from(secondPageToken, encoding).toString('utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  if (Object.keys(parsed).join() === 'offset' && parsed.offset === request.maxResults) {
    const offset = (page - 1) * request.maxResults;
    return {
      token: Buffer.from(text.replace(/\d+/, String(offset)), 'utf8').toString(encoding),
      method: 'offset',
    };
  }
  let token = secondPageToken;
  for (let p = 2; p < page; p++) {
    const next = parseSearchPage(
      await client.post(SEARCH_RUNS, searchRunsBody({ ...request, pageToken: token })),
    );
    if (!next.nextPageToken) throw new Error(`page ${p} of ${request.filter} has no next_page_token`);
    token = next.nextPageToken;
  }
  return { token, method: 'followed' };
}

function sameNames(got: string[], want: string[]): string | undefined {
  if (got.length === want.length && got.every((name, i) => name === want[i])) return undefined;
  const at = got.findIndex((name, i) => name !== want[i]);
  return `${got.length} runs (expected ${want.length}); first difference at ${at}: ${got[at]} instead of ${want[at]}`;
}

async function timePage(
  client: HttpClient,
  body: string,
  expected: string[],
  settings: SearchSettings,
  page: number,
): Promise<PageTiming> {
  const budgetMs = settings.budgetSeconds * 1000;
  const warmupStart = process.hrtime.bigint();
  let warmupRequests = 0;
  while (warmupRequests < settings.warmup && elapsedMs(warmupStart) < budgetMs / 10) {
    parseSearchPage(await client.post(SEARCH_RUNS, body));
    warmupRequests++;
  }
  const latencies: number[] = [];
  let problem: string | undefined;
  const start = process.hrtime.bigint();
  while (
    latencies.length < settings.requests &&
    (latencies.length < MIN_SAMPLES || elapsedMs(start) < budgetMs)
  ) {
    const sent = process.hrtime.bigint();
    const response = await client.post(SEARCH_RUNS, body);
    latencies.push(elapsedMs(sent));
    problem ??= sameNames(parseSearchPage(response).runNames, expected);
  }
  return { page, latencyMs: summarize(latencies), warmupRequests, answersOk: problem === undefined, problem };
}

/**
 * Times each search at page 1 and at the deep page (or the last page, when fewer runs match), one
 * request at a time, every answer compared with the runs the workload says must come back.
 */
export async function runSearches(
  client: HttpClient,
  experimentId: string,
  runs: number,
  settings: SearchSettings,
  log: (message: string) => void,
): Promise<SearchTimings[]> {
  const results: SearchTimings[] = [];
  for (const search of SEARCHES)
    results.push(await timeSearch(client, experimentId, runs, settings, search, log));
  return results;
}

async function timeSearch(
  client: HttpClient,
  experimentId: string,
  runs: number,
  settings: SearchSettings,
  search: SearchDefinition,
  log: (message: string) => void,
): Promise<SearchTimings> {
  const { pageSize } = settings;
  const matchCount = expectedPages(search, runs, pageSize, []).matches;
  const deepPage = Math.max(1, Math.min(settings.deepPage, Math.ceil(matchCount / pageSize)));
  const { pages } = expectedPages(search, runs, pageSize, [1, deepPage]);
  const request: RunSearch = {
    experimentIds: [experimentId],
    filter: search.filter,
    orderBy: search.orderBy,
    maxResults: pageSize,
  };
  const firstBody = searchRunsBody(request);
  const pageTimings: PageTiming[] = [await timePage(client, firstBody, pages.get(1) ?? [], settings, 1)];
  log(describe(search.name, pageTimings[0]!));
  if (deepPage > 1) {
    const first = parseSearchPage(await client.post(SEARCH_RUNS, firstBody));
    if (!first.nextPageToken) throw new Error(`${search.name}: page 1 has no next_page_token`);
    const { token, method } = await deepPageToken(client, request, first.nextPageToken, deepPage);
    const body = searchRunsBody({ ...request, pageToken: token });
    pageTimings.push({
      ...(await timePage(client, body, pages.get(deepPage) ?? [], settings, deepPage)),
      token: method,
    });
    log(describe(search.name, pageTimings[1]!));
  }
  return {
    name: search.name,
    filter: search.filter,
    orderBy: search.orderBy,
    matches: matchCount,
    pages: pageTimings,
  };
}

function describe(name: string, timing: PageTiming): string {
  const { p50, p99, count } = timing.latencyMs;
  const ok = timing.answersOk ? 'answers ok' : `WRONG: ${timing.problem}`;
  return `${name} page ${timing.page}: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${count}, ${ok}`;
}
