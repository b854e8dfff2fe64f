import { useState } from 'react';
import { api, seg } from '../api';
import { DataTable } from '../components/data-table';
import { Histogram } from '../components/histogram';
import { Empty, Load } from '../components/status';
import { bytes, num, percent, time } from '../format';
import { Link } from '../router';
import type { ColumnProfile, Dataset, DatasetVersion } from '../types';
import { useApi } from '../use-api';

export function DatasetsPage() {
  const state = useApi(() => api.get<{ datasets: Dataset[] }>('/api/v1/datasets'), []);
  return (
    <section>
      <h1>Datasets</h1>
      <Load state={state} what="Datasets" endpoint="/api/v1/datasets">
        {(data) =>
          data.datasets.length === 0 ? (
            <Empty>No datasets.</Empty>
          ) : (
            <DataTable
              testId="datasets-table"
              rows={data.datasets}
              rowKey={(d) => d.name}
              columns={[
                {
                  key: 'name',
                  title: 'Name',
                  render: (d) => <Link to={`/datasets/${seg(d.name)}`}>{d.name}</Link>,
                  sortValue: (d) => d.name,
                },
                {
                  key: 'latest',
                  title: 'Latest version',
                  render: (d) => d.latestVersion,
                  sortValue: (d) => d.latestVersion,
                },
                {
                  key: 'created',
                  title: 'Created',
                  render: (d) => time(d.createdAt),
                  sortValue: (d) => d.createdAt,
                },
                { key: 'description', title: 'Description', render: (d) => d.description ?? '' },
              ]}
            />
          )
        }
      </Load>
    </section>
  );
}

interface Validation {
  id: number;
  passed: boolean;
  summary: string;
  createdAt: number;
  report: {
    rows: number;
    checks: { check: { label: string }; passed: boolean; failing_rows_count: number; note?: string }[];
  };
}

interface DatasetDiff {
  sameContent: boolean;
  rowCount: { from: number; to: number; delta: number };
  schema: { column: string; change: string; from?: string; to?: string }[];
  columns: {
    name: string;
    missingShare: { from: number; to: number };
    mean?: { from: number; to: number; inStd?: number };
  }[];
}

export function DatasetPage(props: { name: string; search: URLSearchParams }) {
  const base = `/api/v1/datasets/${seg(props.name)}`;
  const versions = useApi(() => api.get<{ versions: DatasetVersion[] }>(`${base}/versions`), [base]);
  const chosen = props.search.get('version');
  // Model lineage names a version by its content digest.
  const digest = props.search.get('digest');
  return (
    <section>
      <h1>
        <Link to="/datasets">Datasets</Link> / {props.name}
      </h1>
      <Load state={versions} what="Datasets" endpoint="/api/v1/datasets/:name/versions">
        {(data) => {
          const latest = data.versions.reduce((m, v) => Math.max(m, v.version), 0);
          const byDigest = digest ? data.versions.find((v) => v.digest.startsWith(digest)) : undefined;
          const version = chosen ?? String(byDigest?.version ?? latest);
          return (
            <>
              <DataTable
                testId="dataset-versions"
                rows={data.versions}
                rowKey={(v) => String(v.version)}
                columns={[
                  {
                    key: 'version',
                    title: 'Version',
                    render: (v) => (
                      <Link to={`/datasets/${seg(props.name)}?version=${v.version}`}>
                        {String(v.version) === version ? <strong>v{v.version}</strong> : `v${v.version}`}
                      </Link>
                    ),
                    sortValue: (v) => v.version,
                  },
                  { key: 'rows', title: 'Rows', render: (v) => v.rowCount, sortValue: (v) => v.rowCount },
                  {
                    key: 'size',
                    title: 'Size',
                    render: (v) => bytes(v.sizeBytes),
                    sortValue: (v) => v.sizeBytes,
                  },
                  { key: 'format', title: 'Format', render: (v) => v.format },
                  { key: 'digest', title: 'Digest', render: (v) => <code>{v.digest.slice(0, 16)}</code> },
                  {
                    key: 'created',
                    title: 'Created',
                    render: (v) => time(v.createdAt),
                    sortValue: (v) => v.createdAt,
                  },
                ]}
              />
              {latest > 1 && <DiffPicker base={base} versions={data.versions.map((v) => v.version)} />}
              <VersionDetails base={base} version={version} />
            </>
          );
        }}
      </Load>
    </section>
  );
}

function VersionDetails(props: { base: string; version: string }) {
  const path = `${props.base}/versions/${seg(props.version)}`;
  const state = useApi(() => api.get<DatasetVersion>(path), [path]);
  const validations = useApi(() => api.get<{ validations: Validation[] }>(`${path}/validations`), [path]);
  return (
    <>
      <h2>Version {props.version}: schema and profile</h2>
      <Load state={state} what="Dataset versions" endpoint="/api/v1/datasets/:name/versions/:version">
        {(v) => (
          <div className="profiles" data-testid="column-profiles">
            {(
              v.profile?.columns ??
              v.schema.map((c) => ({ ...c, kind: '', count: 0, missingShare: 0, distinct: 0 }))
            ).map((c) => (
              <ColumnCard key={c.name} column={c} />
            ))}
          </div>
        )}
      </Load>
      <h2>Validation reports</h2>
      <Load
        state={validations}
        what="Dataset validation"
        endpoint="/api/v1/datasets/:name/versions/:version/validations"
      >
        {(data) =>
          data.validations.length === 0 ? (
            <Empty>Not validated yet.</Empty>
          ) : (
            <>
              {data.validations.map((r) => (
                <div key={r.id} className="gate">
                  <strong className={r.passed ? 'ok' : 'bad'}>{r.passed ? 'passed' : 'failed'}</strong>{' '}
                  {time(r.createdAt)} — {r.summary}
                  <ul>
                    {r.report.checks.map((c, i) => (
                      <li key={i} className={c.passed ? 'ok' : 'bad'}>
                        {c.check.label}
                        {c.passed ? '' : ` — ${c.failing_rows_count} failing rows`}
                        {c.note ? ` (${c.note})` : ''}
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
            </>
          )
        }
      </Load>
    </>
  );
}

function ColumnCard({ column: c }: { column: ColumnProfile }) {
  const bars =
    c.histogram?.map((b) => ({ label: `${num(b.lower)}–${num(b.upper)}`, count: b.count })) ??
    c.topValues?.map((t) => ({ label: t.value, count: t.count }));
  return (
    <div className="card">
      <div>
        <strong>{c.name}</strong> <span className="muted">{c.type}</span>
      </div>
      {bars && bars.length > 0 && (
        <Histogram bars={bars} title={`${c.name} distribution`} width={220} height={60} />
      )}
      <div className="muted small">
        missing {percent(c.missingShare)} · distinct {c.distinctApproximate ? '≈' : ''}
        {num(c.distinct)}
        {c.mean !== undefined && ` · mean ${num(c.mean)} · std ${num(c.std)}`}
        {c.min !== undefined && ` · [${num(c.min)}, ${num(c.max)}]`}
      </div>
    </div>
  );
}

function DiffPicker(props: { base: string; versions: number[] }) {
  const sorted = [...props.versions].sort((a, b) => a - b);
  const [from, setFrom] = useState(sorted[sorted.length - 2] ?? 1);
  const [to, setTo] = useState(sorted[sorted.length - 1] ?? 1);
  const diff = useApi(() => api.get<DatasetDiff>(`${props.base}/diff`, { from, to }), [props.base, from, to]);
  const select = (value: number, set: (v: number) => void, label: string) => (
    <select aria-label={label} value={value} onChange={(e) => set(Number(e.target.value))}>
      {sorted.map((v) => (
        <option key={v} value={v}>
          v{v}
        </option>
      ))}
    </select>
  );
  return (
    <>
      <h2>
        Diff {select(from, setFrom, 'from version')} → {select(to, setTo, 'to version')}
      </h2>
      <Load state={diff} what="Dataset diffs" endpoint="/api/v1/datasets/:name/diff">
        {(d) => (
          <div data-testid="dataset-diff">
            <p>
              {d.sameContent
                ? 'Same content.'
                : `Rows ${d.rowCount.from} → ${d.rowCount.to} (${d.rowCount.delta >= 0 ? '+' : ''}${d.rowCount.delta}).`}
            </p>
            {d.schema.length > 0 && (
              <ul>
                {d.schema.map((s) => (
                  <li key={s.column}>
                    {s.column}: {s.change} {s.from ?? ''} {s.to ? `→ ${s.to}` : ''}
                  </li>
                ))}
              </ul>
            )}
            <table>
              <thead>
                <tr>
                  <th>Column</th>
                  <th>Missing</th>
                  <th>Mean</th>
                  <th>Shift (std)</th>
                </tr>
              </thead>
              <tbody>
                {d.columns.map((c) => (
                  <tr key={c.name}>
                    <td>{c.name}</td>
                    <td>
                      {percent(c.missingShare.from)} → {percent(c.missingShare.to)}
                    </td>
                    <td>{c.mean ? `${num(c.mean.from)} → ${num(c.mean.to)}` : ''}</td>
                    <td>{num(c.mean?.inStd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Load>
    </>
  );
}
