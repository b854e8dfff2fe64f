import { useState } from 'react';
import { api, seg } from '../api';
import { LineChart, type Series } from '../components/line-chart';
import { ParallelCoordinates } from '../components/parallel-coordinates';
import { Empty, Load } from '../components/status';
import { num } from '../format';
import { metricHistory } from '../metric-history';
import { Link } from '../router';
import type { Run } from '../types';
import { useApi } from '../use-api';

/** Side-by-side params and metrics of chosen runs, one metric's curves, and a sweep's shape. */
export function ComparePage(props: { runIds: string[] }) {
  const state = useApi(
    () => Promise.all(props.runIds.map((id) => api.get<Run>(`/api/v1/runs/${seg(id)}`))),
    [props.runIds.join(',')],
  );
  if (props.runIds.length === 0) {
    return <Empty>Select runs in an experiment's table and press Compare.</Empty>;
  }
  return (
    <section>
      <h1>Compare {props.runIds.length} runs</h1>
      <Load state={state} what="Runs" endpoint="/api/v1/runs/:id">
        {(runs) => <Comparison runs={runs} />}
      </Load>
    </section>
  );
}

function Comparison({ runs }: { runs: Run[] }) {
  const metricKeys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
  const paramKeys = [...new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)))].sort();
  // Start on a metric logged over several steps (a curve), not a final score.
  const withHistory = metricKeys.find((k) =>
    runs.some((r) => r.data.metrics.some((m) => m.key === k && m.step > 0)),
  );
  const [metric, setMetric] = useState(withHistory ?? metricKeys[0] ?? '');
  const curves = useApi(
    () =>
      Promise.all(
        runs.map(async (r): Promise<Series> => ({
          label: r.info.runName || r.info.runId,
          points: metric ? await metricHistory(r.info.runId, metric) : [],
        })),
      ),
    [metric, runs.map((r) => r.info.runId).join(',')],
  );
  const metricOf = (r: Run, k: string) => r.data.metrics.find((m) => m.key === k)?.value;
  const paramOf = (r: Run, k: string) => r.data.params.find((p) => p.key === k)?.value;
  const numeric = (v: string | number | undefined) => {
    const n = typeof v === 'number' ? v : v === undefined || v.trim() === '' ? NaN : Number(v);
    return Number.isFinite(n) ? n : undefined;
  };
  const axes = [
    ...paramKeys.map((k) => ({ name: k, values: runs.map((r) => numeric(paramOf(r, k))) })),
    ...metricKeys
      .filter((k) => k !== metric)
      .map((k) => ({ name: k, values: runs.map((r) => numeric(metricOf(r, k))) })),
    ...(metric ? [{ name: metric, values: runs.map((r) => numeric(metricOf(r, metric))) }] : []),
  ];
  return (
    <>
      <table data-testid="compare-table">
        <thead>
          <tr>
            <th />
            {runs.map((r) => (
              <th key={r.info.runId}>
                <Link to={`/runs/${r.info.runId}`}>{r.info.runName || r.info.runId}</Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {paramKeys.map((k) => (
            <tr key={`p${k}`} className={differs(runs.map((r) => paramOf(r, k))) ? 'differs' : undefined}>
              <th>param {k}</th>
              {runs.map((r) => (
                <td key={r.info.runId}>{paramOf(r, k)}</td>
              ))}
            </tr>
          ))}
          {metricKeys.map((k) => (
            <tr key={`m${k}`}>
              <th>metric {k}</th>
              {runs.map((r) => (
                <td key={r.info.runId} className="number">
                  {num(metricOf(r, k))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h2>
        Metric{' '}
        <select aria-label="metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
          {metricKeys.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>{' '}
        over steps
      </h2>
      <Load state={curves} what="Metric history" endpoint="/api/v1/runs/:id/metrics/:key">
        {(series) => <LineChart series={series} xLabel="step" />}
      </Load>
      <h2>Parallel coordinates</h2>
      <ParallelCoordinates axes={axes} labels={runs.map((r) => r.info.runName || r.info.runId)} />
    </>
  );
}

function differs(values: (string | undefined)[]): boolean {
  return new Set(values).size > 1;
}
