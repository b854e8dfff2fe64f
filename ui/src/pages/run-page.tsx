import { api, seg } from '../api';
import { ArtifactBrowser } from '../components/artifact-browser';
import { LineChart, type Series } from '../components/line-chart';
import { Load } from '../components/status';
import { datasetPath } from '../dataset-ref';
import { duration, num, time } from '../format';
import { metricHistory } from '../metric-history';
import { Link } from '../router';
import type { Experiment, Run } from '../types';
import { useApi } from '../use-api';

export function RunPage(props: { runId: string }) {
  const state = useApi(() => api.get<Run>(`/api/v1/runs/${seg(props.runId)}`), [props.runId]);
  return (
    <section>
      <Load state={state} what="Runs" endpoint="/api/v1/runs/:id">
        {(run) => <RunDetails run={run} />}
      </Load>
    </section>
  );
}

function RunDetails({ run }: { run: Run }) {
  const experiment = useApi(
    () => api.get<Experiment>(`/api/v1/experiments/${seg(run.info.experimentId)}`),
    [run.info.experimentId],
  );
  const keys = [...new Set(run.data.metrics.map((m) => m.key))].sort();
  const charts = useApi(
    async () =>
      Promise.all(
        keys.map(async (key): Promise<Series> => ({
          label: key,
          points: await metricHistory(run.info.runId, key),
        })),
      ),
    [run.info.runId],
  );
  return (
    <>
      <h1>
        <Link to="/">Experiments</Link> /{' '}
        <Link to={`/experiments/${run.info.experimentId}`}>
          {experiment.data?.name ?? `Experiment ${run.info.experimentId}`}
        </Link>{' '}
        / {run.info.runName || run.info.runId}
      </h1>
      <dl className="facts">
        <dt>Run ID</dt>
        <dd>{run.info.runId}</dd>
        <dt>Status</dt>
        <dd>{run.info.status}</dd>
        <dt>Started</dt>
        <dd>{time(run.info.startTime)}</dd>
        <dt>Duration</dt>
        <dd>{run.info.endTime ? duration(run.info.endTime - run.info.startTime) : 'running'}</dd>
        {run.info.parentRunId && (
          <>
            <dt>Parent</dt>
            <dd>
              <Link to={`/runs/${run.info.parentRunId}`}>{run.info.parentRunId}</Link>
            </dd>
          </>
        )}
      </dl>
      <div className="columns">
        <div>
          <h2>Parameters</h2>
          <KeyValues rows={run.data.params.map((p) => [p.key, p.value])} />
        </div>
        <div>
          <h2>Metrics (latest)</h2>
          <KeyValues testId="run-metrics" rows={run.data.metrics.map((m) => [m.key, num(m.value)])} />
        </div>
      </div>
      <h2>Metric charts</h2>
      <Load state={charts} what="Metric history" endpoint="/api/v1/runs/:id/metrics/:key">
        {(all) => {
          // A metric logged once is a number, read in the table above; only a series is charted.
          const series = all.filter((s) => s.points.length > 1);
          return series.length === 0 ? (
            <div className="empty" data-testid="no-metric-series">
              No metric was logged at more than one step: the values are in the table above.
            </div>
          ) : (
            <div className="chart-grid">
              {series.map((s) => (
                <div key={s.label}>
                  <h3>{s.label}</h3>
                  <LineChart series={[s]} xLabel="step" height={200} />
                </div>
              ))}
            </div>
          );
        }}
      </Load>
      <h2>Datasets</h2>
      {run.inputs.datasetInputs.length === 0 ? (
        <div className="empty">No dataset inputs.</div>
      ) : (
        <ul data-testid="run-datasets">
          {run.inputs.datasetInputs.map((d) => {
            const path = datasetPath(d.dataset);
            return (
              <li key={`${d.dataset.name}${d.dataset.digest}`}>
                {path ? <Link to={path}>{d.dataset.name}</Link> : d.dataset.name}{' '}
                <span className="muted">
                  {d.dataset.digest} · {d.dataset.source}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <h2>Tags</h2>
      <KeyValues
        rows={run.data.tags.filter((t) => !t.key.startsWith('mlflow.log-model')).map((t) => [t.key, t.value])}
      />
      <h2>Artifacts</h2>
      <ArtifactBrowser runId={run.info.runId} />
    </>
  );
}

export function KeyValues(props: { rows: [string, string][]; testId?: string }) {
  if (props.rows.length === 0) return <div className="empty">None.</div>;
  return (
    <table className="kv" data-testid={props.testId}>
      <tbody>
        {props.rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
