import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../deploy/grafana/mloop-dashboard.json', import.meta.url), 'utf8'),
) as { panels: Panel[]; templating: { list: Array<{ query: unknown }> } };

const panelQueries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
/** With the variables' label_values() queries, which read any series' labels. */
const queries = [...panelQueries, ...dashboard.templating.list.map((v) => JSON.stringify(v.query))];

/** Series names a query reads: mloop's own and the process defaults. */
function seriesIn(query: string): string[] {
  return [...query.matchAll(/\b((?:mloop|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

/** `# TYPE name type` lines of a Prometheus text exposition, with a histogram's derived series. */
function exportedTypes(exposition: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    types.set(name!, type!);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) types.set(`${name!}${suffix}`, `${type}${suffix}`);
  }
  return types;
}

describe('the Grafana dashboard (deploy/grafana/mloop-dashboard.json)', () => {
  let server: ServerProcess;
  let types: Map<string, string>;

  beforeAll(async () => {
    server = await startServer({ startTimeoutMs: 120_000 });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    types = exportedTypes(await res.text());
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('charts requests, errors and latency per model, version and arm, the prediction log and the process', () => {
    const all = queries.join('\n');
    for (const series of [
      'mloop_serving_requests_total',
      'mloop_serving_request_errors_total',
      'mloop_serving_request_duration_seconds_bucket',
      'mloop_prediction_log_written_total',
      'mloop_prediction_log_refused_total',
      'mloop_background_errors_total',
      'process_cpu_seconds_total',
    ])
      expect(all).toContain(series);
    expect(all).toMatch(/sum by \(model, version, arm\) \(rate\(mloop_serving_requests_total/);
  });

  it('queries only series a running mloop server exports', () => {
    const missing = [...new Set(queries.flatMap(seriesIn))].filter((name) => !types.has(name));
    expect(missing).toEqual([]);
  });

  it('takes rate() and increase() of counters only, and reads gauges as they are', () => {
    const misread: string[] = [];
    for (const query of panelQueries)
      for (const m of query.matchAll(/\b(?:mloop|process|nodejs)_[a-z0-9_]+\b/g)) {
        const overTime = /\b(rate|increase)\($/.test(query.slice(0, m.index));
        const type = types.get(m[0]);
        const ok = overTime ? type === 'counter' || type === 'histogram_bucket' : type === 'gauge';
        if (!ok) misread.push(`${overTime ? 'rate of' : 'value of'} ${m[0]} (${type ?? 'missing'})`);
      }
    expect(misread).toEqual([]);
  });
});
