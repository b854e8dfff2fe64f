import { useEffect, useRef, useState } from 'react';
import { api, seg } from '../api';
import { DataTable } from '../components/data-table';
import { LineChart, type Series } from '../components/line-chart';
import { Empty, Load } from '../components/status';
import { num, percent, time } from '../format';
import { Link } from '../router';
import type { ArmStats, Deployment, DeploymentEvent, DeploymentStats, MinuteStats } from '../types';
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
/** The per-minute charts cover this much recent time. */
const historyMinutes = 60;
const arms = ['primary', 'candidate', 'shadow'] as const;

interface Live {
  /** When the answers came, ms: the charts' time axis ends here. */
  time: number;
  stats: DeploymentStats;
  minutes: MinuteStats[];
}

/**
 * One deployment: the traffic split, the last minute per arm and the last hour minute by minute
 * (the server measures both; the dashboard polls them every few seconds), and history.
 */
export function DeploymentPage(props: { name: string }) {
  const path = `/api/v1/deployments/${seg(props.name)}`;
  const deployment = useApi(() => api.get<Deployment>(path), [path]);
  const events = useApi(
    () => api.get<{ events: DeploymentEvent[] }>(`${path}/events`, { maxResults: 500 }),
    [path],
  );
  const [live, setLive] = useState<Live>();
  const stopped = useRef(false);
  useEffect(() => {
    stopped.current = false;
    const sample = () =>
      Promise.all([
        api.get<DeploymentStats>(`${path}/stats`, { windowMs }),
        api.get<{ minutes: MinuteStats[] }>(`${path}/stats/minutes`, { minutes: historyMinutes }),
      ])
        .then(([stats, history]) => {
          if (!stopped.current) setLive({ time: Date.now(), stats, minutes: history.minutes });
        })
        .catch(() => undefined);
    void sample();
    const timer = setInterval(sample, pollMs);
    return () => {
      stopped.current = true;
      clearInterval(timer);
    };
  }, [path]);
  const latest = live?.stats;
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
      <h2>Last hour, per minute</h2>
      {live && <PerMinuteCharts live={live} />}
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
      <td className="number">{stats.p99LatencyMs === undefined ? '—' : `${num(stats.p99LatencyMs)} ms`}</td>
    </tr>
  );
}

/** Requests and p99 latency of each arm that served any, minute by minute, on a time axis of the last hour. */
function PerMinuteCharts({ live }: { live: Live }) {
  if (live.minutes.length === 0) return <Empty>No requests in the last {historyMinutes} minutes.</Empty>;
  const served = arms.filter((arm) => live.minutes.some((m) => m.arm === arm));
  const seriesOf = (y: (m: MinuteStats) => number | undefined): Series[] =>
    served.map((arm) => ({
      label: arm,
      points: live.minutes
        .filter((m) => m.arm === arm && y(m) !== undefined)
        .map((m) => ({ x: m.time / 1000, y: y(m) as number })),
    }));
  const end = live.time / 1000;
  const xRange: [number, number] = [end - historyMinutes * 60, end];
  // From zero, with headroom over the highest minute: the axis reads as an amount, not a wobble.
  const upTo = (values: (number | undefined)[]): [number, number] => [
    0,
    Math.max(1, ...values.filter((v) => v !== undefined)) * 1.2,
  ];
  return (
    <div className="chart-grid">
      <div>
        <h3>Requests per minute</h3>
        <LineChart
          series={seriesOf((m) => m.requests)}
          xLabel="time"
          yLabel="requests"
          time
          xRange={xRange}
          yRange={upTo(live.minutes.map((m) => m.requests))}
          height={180}
          testId="requests-chart"
        />
      </div>
      <div>
        <h3>p99 latency</h3>
        <LineChart
          series={seriesOf((m) => m.p99LatencyMs)}
          xLabel="time"
          yLabel="ms"
          time
          xRange={xRange}
          yRange={upTo(live.minutes.map((m) => m.p99LatencyMs))}
          height={180}
          testId="latency-chart"
        />
      </div>
    </div>
  );
}
