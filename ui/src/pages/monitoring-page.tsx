import { useState } from 'react';
import { api, seg } from '../api';
import { DataTable } from '../components/data-table';
import { Histogram, HistogramLegend } from '../components/histogram';
import { LineChart } from '../components/line-chart';
import { Empty, Load } from '../components/status';
import { num, percent, time } from '../format';
import { Link, navigate } from '../router';
import type { Alert, AlertRule, RegisteredModel } from '../types';
import { requireEndpoint } from '../endpoints';
import { useApi } from '../use-api';

interface PerformanceGroup {
  windowStart: number;
  version?: number;
  predictions: number;
  labelled: number;
  coverage: number;
  classification?: { accuracy?: number };
  regression?: { rmse?: number };
}

interface DriftHistogram {
  kind: 'bins' | 'categories';
  edges?: number[];
  categories?: string[];
  counts: number[];
}
interface ColumnDrift {
  name: string;
  test: string;
  statistic?: number;
  pValue?: number;
  threshold: number;
  drifted: boolean;
  referenceHistogram: DriftHistogram;
  currentHistogram: DriftHistogram;
  note?: string;
}

interface QualityIssue {
  column: string;
  check: string;
  message: string;
}

interface MonitorReport {
  version: number;
  window: { length: string; rows: number };
  reference: { description: string; rows: number };
  drift: { columns: ColumnDrift[]; driftedColumns: number; datasetDrift: boolean };
  quality: { rows: number; issues: QualityIssue[]; unexpectedColumns: string[] };
}

const week = 7 * 86_400_000;

/** Drift, accuracy from feedback, and alerts, for one model at a time. */
export function MonitoringPage(props: { search: URLSearchParams }) {
  const models = useApi(
    () => api.get<{ models: RegisteredModel[] }>('/api/v1/models', { maxResults: 1000 }),
    [],
  );
  const model = props.search.get('model') ?? models.data?.models[0]?.name;
  return (
    <section>
      <h1>
        Monitoring{' '}
        <select
          aria-label="model"
          value={model ?? ''}
          onChange={(e) => navigate(`/monitoring?model=${seg(e.target.value)}`)}
        >
          {(models.data?.models ?? []).map((m) => (
            <option key={m.name}>{m.name}</option>
          ))}
        </select>
      </h1>
      {model && <ModelMonitoring model={model} />}
      <Alerts />
    </section>
  );
}

// Each window length with the span it is read over (the server caps the number of windows).
const windowSpans: Record<string, number> = {
  '1m': 6 * 3_600_000,
  '15m': 2 * 86_400_000,
  '1h': week,
  '1d': 90 * 86_400_000,
};
const windowLengths = Object.keys(windowSpans);

function ModelMonitoring({ model }: { model: string }) {
  const [windowLength, setWindowLength] = useState('1h');
  const performance = useApi(
    () =>
      api.get<{ task?: string; windows: PerformanceGroup[] }>(`/api/v1/models/${seg(model)}/performance`, {
        from: String(Date.now() - (windowSpans[windowLength] ?? week)),
        to: String(Date.now() + 1),
        window: windowLength,
      }),
    [model, windowLength],
  );
  const monitoring = useApi(async () => {
    await requireEndpoint('/api/v1/models/{name}/monitoring');
    return api.get<MonitorReport>(`/api/v1/models/${seg(model)}/monitoring`, { window: '7d' });
  }, [model]);
  return (
    <>
      <h2>
        Accuracy over time (from feedback labels), per{' '}
        <select
          aria-label="Window length"
          value={windowLength}
          onChange={(e) => setWindowLength(e.target.value)}
        >
          {windowLengths.map((w) => (
            <option key={w}>{w}</option>
          ))}
        </select>
      </h2>
      <Load state={performance} what="Performance from feedback" endpoint="/api/v1/models/:name/performance">
        {(report) => {
          const versions = [...new Set(report.windows.map((w) => w.version))];
          const metric = report.task === 'regression' ? 'rmse' : 'accuracy';
          const series = versions.map((v) => ({
            label: `v${v ?? ''} ${metric}`,
            points: report.windows
              .filter((w) => w.version === v)
              .map((w) => ({
                x: Math.round(w.windowStart / 1000),
                y: (report.task === 'regression' ? w.regression?.rmse : w.classification?.accuracy) ?? NaN,
              }))
              .filter((p) => Number.isFinite(p.y)),
          }));
          const labelled = report.windows.reduce((s, w) => s + w.labelled, 0);
          return labelled === 0 ? (
            <Empty>No labelled predictions in the last week.</Empty>
          ) : (
            <>
              <LineChart
                series={series}
                xLabel="time"
                time
                height={200}
                testId="accuracy-chart"
                yRange={metric === 'accuracy' ? [0, 1] : undefined}
              />
              <div className="muted">
                label coverage{' '}
                {percent(
                  labelled /
                    Math.max(
                      1,
                      report.windows.reduce((s, w) => s + w.predictions, 0),
                    ),
                )}
              </div>
            </>
          );
        }}
      </Load>
      <h2>Drift per feature</h2>
      <Load state={monitoring} what="Drift and data quality" endpoint="/api/v1/models/:name/monitoring">
        {(report) => (
          <>
            <p className="muted" data-testid="drift-summary">
              Version {report.version}: {report.window.rows} predictions over the last {report.window.length}{' '}
              vs {report.reference.description} ({report.reference.rows} rows); {report.drift.driftedColumns}{' '}
              of {report.drift.columns.length} columns drifted
              {report.drift.datasetDrift ? ' — dataset drift' : ''}.
            </p>
            <HistogramLegend bars="reference" compare={`current (last ${report.window.length})`} />
            <DataTable
              testId="drift-table"
              rows={report.drift.columns}
              rowKey={(c) => c.name}
              columns={[
                { key: 'name', title: 'Column', render: (c) => c.name, sortValue: (c) => c.name },
                { key: 'test', title: 'Test', render: (c) => c.test },
                {
                  key: 'stat',
                  title: 'Statistic',
                  render: (c) => (c.statistic === undefined ? (c.note ?? '–') : num(c.statistic)),
                  sortValue: (c) => c.statistic ?? -1,
                },
                { key: 'p', title: 'p-value', render: (c) => num(c.pValue) },
                {
                  key: 'drifted',
                  title: 'Drifted',
                  render: (c) => <span className={c.drifted ? 'bad' : 'ok'}>{c.drifted ? 'yes' : 'no'}</span>,
                  sortValue: (c) => (c.drifted ? 1 : 0),
                },
                {
                  key: 'hist',
                  title: 'Reference vs current',
                  render: (c) => (
                    <Histogram
                      bars={bars(c.referenceHistogram)}
                      compare={bars(c.currentHistogram)}
                      width={200}
                      height={50}
                    />
                  ),
                },
              ]}
            />
            <h2>Data quality</h2>
            {report.quality.issues.length === 0 && report.quality.unexpectedColumns.length === 0 ? (
              <Empty>
                No missing values, type mismatches, out-of-range values or unseen categories beyond the
                reference in {report.quality.rows} inputs.
              </Empty>
            ) : (
              <DataTable
                testId="quality-table"
                rows={[
                  ...report.quality.issues,
                  ...report.quality.unexpectedColumns.map((column) => ({
                    column,
                    check: 'unexpected_column',
                    message: `${column} is not in the reference`,
                  })),
                ]}
                rowKey={(i) => `${i.column}:${i.check}`}
                columns={[
                  { key: 'column', title: 'Column', render: (i) => i.column, sortValue: (i) => i.column },
                  { key: 'check', title: 'Check', render: (i) => i.check, sortValue: (i) => i.check },
                  { key: 'message', title: 'What was found', render: (i) => i.message },
                ]}
              />
            )}
          </>
        )}
      </Load>
    </>
  );
}

function bars(h: DriftHistogram) {
  return h.counts.map((count, i) => ({
    label:
      h.kind === 'categories' ? (h.categories?.[i] ?? '') : `${num(h.edges?.[i])}–${num(h.edges?.[i + 1])}`,
    count,
  }));
}

function Alerts() {
  const alerts = useApi(() => api.get<{ alerts: Alert[] }>('/api/v1/alerts', { max_results: 200 }), []);
  const rules = useApi(() => api.get<{ rules: AlertRule[] }>('/api/v1/alert-rules'), []);
  return (
    <>
      <h2>Alerts</h2>
      <Load state={alerts} what="Alerts" endpoint="/api/v1/alerts">
        {(data) =>
          data.alerts.length === 0 ? (
            <Empty>No alerts.</Empty>
          ) : (
            <DataTable
              testId="alerts-table"
              rows={data.alerts}
              rowKey={(a) => a.id}
              columns={[
                {
                  key: 'fired',
                  title: 'Fired',
                  render: (a) => time(a.firedTime),
                  sortValue: (a) => a.firedTime,
                },
                {
                  key: 'status',
                  title: 'Status',
                  render: (a) => <span className={a.status === 'firing' ? 'bad' : 'ok'}>{a.status}</span>,
                },
                { key: 'rule', title: 'Rule', render: (a) => a.rule },
                {
                  key: 'model',
                  title: 'Model',
                  render: (a) => <Link to={`/models/${seg(a.model)}`}>{a.model}</Link>,
                },
                {
                  key: 'value',
                  title: 'Value / threshold',
                  render: (a) => `${num(a.value)} / ${num(a.threshold)}`,
                },
                { key: 'message', title: 'Message', render: (a) => a.message },
              ]}
            />
          )
        }
      </Load>
      <h2>Alert rules</h2>
      <Load state={rules} what="Alert rules" endpoint="/api/v1/alert-rules">
        {(data) =>
          data.rules.length === 0 ? (
            <Empty>No alert rules.</Empty>
          ) : (
            <DataTable
              testId="alert-rules-table"
              rows={data.rules}
              rowKey={(r) => r.name}
              columns={[
                { key: 'name', title: 'Rule', render: (r) => r.name, sortValue: (r) => r.name },
                { key: 'kind', title: 'Kind', render: (r) => r.kind },
                { key: 'threshold', title: 'Threshold', render: (r) => num(r.threshold) },
                { key: 'enabled', title: 'Enabled', render: (r) => (r.enabled ? 'yes' : 'no') },
                {
                  key: 'last',
                  title: 'Last evaluation',
                  render: (r) =>
                    r.lastEvaluation ? `${r.lastEvaluation.outcome} ${time(r.lastEvaluation.time)}` : '',
                },
              ]}
            />
          )
        }
      </Load>
    </>
  );
}
