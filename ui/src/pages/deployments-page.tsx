import { useEffect, useRef, useState } from 'react';
import { api, seg } from '../api';
import { DataTable } from '../components/data-table';
import { LineChart, type Series } from '../components/line-chart';
import { Empty, Load } from '../components/status';
import { num, percent, time } from '../format';
import { Link } from '../router';
import type { ArmStats, Deployment, DeploymentEvent, DeploymentStats } from '../types';
import { useApi } from '../use-api';

export function DeploymentsPage() {
  const state = useApi(() => api.get<{ deployments: Deployment[] }>('/api/v1/deployments'), []);
  return (
    <section>
      <h1>Deployments</h1>
      <Load state={state} what="Deployments" endpoint="/api/v1/deployments">
        {(data) =>
          data.deployments.length === 0 ? (
            <Empty>No deployments.</Empty>
          ) : (
            <DataTable
              testId="deployments-table"
              rows={data.deployments}
              rowKey={(d) => d.name}
              columns={[
                {
                  key: 'name',
                  title: 'Name',
                  render: (d) => <Link to={`/deployments/${seg(d.name)}`}>{d.name}</Link>,
                  sortValue: (d) => d.name,
                },
                {
                  key: 'model',
                  title: 'Model',
                  render: (d) => <Link to={`/models/${seg(d.model)}`}>{d.model}</Link>,
                  sortValue: (d) => d.model,
                },
                { key: 'split', title: 'Traffic', render: (d) => split(d) },
                { key: 'status', title: 'Status', render: (d) => d.status },
                { key: 'rollout', title: 'Rollout', render: (d) => d.rollout?.status ?? '' },
                {
                  key: 'updated',
                  title: 'Updated',
                  render: (d) => time(d.updatedTime),
                  sortValue: (d) => d.updatedTime,
                },
              ]}
            />
          )
        }
      </Load>
    </section>
  );
}

function split(d: Deployment): string {
  if (!d.candidate) return `primary ${d.primary}: 100%`;
  const share = d.candidate.mode === 'shadow' ? 0 : d.candidate.percent;
  return `primary ${d.primary}: ${100 - share}% · ${d.candidate.mode} ${d.candidate.version}: ${d.candidate.percent}%`;
}

const pollMs = 5000;
const windowMs = 60_000;

/**
 * One deployment: the traffic split, live per-arm rates from successive stats snapshots (the
 * server counts requests over a window; the dashboard samples it every few seconds), and history.
 */
export function DeploymentPage(props: { name: string }) {
  const path = `/api/v1/deployments/${seg(props.name)}`;
  const deployment = useApi(() => api.get<Deployment>(path), [path]);
  const events = useApi(
    () => api.get<{ events: DeploymentEvent[] }>(`${path}/events`, { maxResults: 500 }),
    [path],
  );
  const [samples, setSamples] = useState<{ t: number; stats: DeploymentStats }[]>([]);
  const stopped = useRef(false);
  useEffect(() => {
    stopped.current = false;
    const sample = () =>
      api
        .get<DeploymentStats>(`${path}/stats`, { windowMs })
        .then((stats) => !stopped.current && setSamples((s) => [...s.slice(-59), { t: Date.now(), stats }]))
        .catch(() => undefined);
    void sample();
    const timer = setInterval(sample, pollMs);
    return () => {
      stopped.current = true;
      clearInterval(timer);
    };
  }, [path]);
  const latest = samples[samples.length - 1]?.stats;
  const rateSeries: Series[] = (['primary', 'candidate', 'shadow'] as const).map((arm) => ({
    label: `${arm} req/s`,
    points: samples.map((s) => ({
      x: Math.round((s.t - (samples[0]?.t ?? 0)) / 1000),
      y: s.stats[arm].requests / (windowMs / 1000),
    })),
  }));
  return (
    <section>
      <h1>
        <Link to="/deployments">Deployments</Link> / {props.name}
      </h1>
      <Load state={deployment} what="Deployments" endpoint="/api/v1/deployments/:name">
        {(d) => (
          <dl className="facts">
            <dt>Model</dt>
            <dd>
              <Link to={`/models/${seg(d.model)}`}>{d.model}</Link>
            </dd>
            <dt>Traffic</dt>
            <dd data-testid="traffic-split">{split(d)}</dd>
            <dt>Status</dt>
            <dd>{d.status}</dd>
            {d.rollout && (
              <>
                <dt>Rollout</dt>
                <dd>
                  {d.rollout.status}, step {d.rollout.stepIndex + 1} of {d.rollout.plan.steps.length} (
                  {d.rollout.plan.steps.join('% → ')}%)
                  {d.rollout.reason ? ` — ${d.rollout.reason}` : ''}
                </dd>
              </>
            )}
            <dt>Predictions</dt>
            <dd>
              <Link to={`/predictions?deployment=${seg(d.name)}`}>recent predictions</Link>
            </dd>
          </dl>
        )}
      </Load>
      <h2>Live, last minute</h2>
      {latest ? (
        <table data-testid="arm-stats">
          <thead>
            <tr>
              <th>Arm</th>
              <th>Requests</th>
              <th>Rate (req/s)</th>
              <th>Error rate</th>
              <th>p99 latency</th>
            </tr>
          </thead>
          <tbody>
            {(['primary', 'candidate', 'shadow'] as const).map((arm) => (
              <ArmRow key={arm} arm={arm} stats={latest[arm]} />
            ))}
          </tbody>
        </table>
      ) : (
        <div className="loading">Loading…</div>
      )}
      {samples.length > 1 && <LineChart series={rateSeries} xLabel="seconds" height={180} />}
      <h2>Rollout history</h2>
      <Load state={events} what="Deployment history" endpoint="/api/v1/deployments/:name/events">
        {(data) => (
          <DataTable
            testId="events-table"
            rows={[...data.events].reverse()}
            rowKey={(e) => String(e.id)}
            columns={[
              { key: 'time', title: 'Time', render: (e) => time(e.time), sortValue: (e) => e.time },
              {
                key: 'kind',
                title: 'Event',
                render: (e) => (
                  <span className={e.kind.includes('rollback') ? 'bad' : undefined}>{e.kind}</span>
                ),
              },
              {
                key: 'pct',
                title: 'Candidate %',
                render: (e) =>
                  e.toPercent === undefined ? '' : `${num(e.fromPercent)} → ${num(e.toPercent)}`,
              },
              {
                key: 'versions',
                title: 'Versions',
                render: (e) => [e.primaryVersion, e.candidateVersion].filter(Boolean).join(' / '),
              },
              { key: 'reason', title: 'Reason', render: (e) => e.reason },
            ]}
          />
        )}
      </Load>
    </section>
  );
}

function ArmRow(props: { arm: string; stats: ArmStats }) {
  const { stats } = props;
  return (
    <tr>
      <td>{props.arm}</td>
      <td className="number">{stats.requests}</td>
      <td className="number">{num(stats.requests / (windowMs / 1000))}</td>
      <td className="number">{stats.requests ? percent(stats.errors / stats.requests) : ''}</td>
      <td className="number">{stats.p99LatencyMs === undefined ? '' : `${num(stats.p99LatencyMs)} ms`}</td>
    </tr>
  );
}
