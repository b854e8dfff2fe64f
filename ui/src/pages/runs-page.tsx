import { useState, type FormEvent } from 'react';
import { api, seg } from '../api';
import { Load } from '../components/status';
import { TokenPager, usePageTokens } from '../components/token-pager';
import { duration, num, time } from '../format';
import { Link, navigate } from '../router';
import type { Experiment, Run } from '../types';
import { useApi } from '../use-api';

const pageSize = 50;
/** Columns beyond these come from the page's own runs, so a 100k-run experiment costs one page. */
const maxKeyColumns = 8;

interface Sort {
  /** The MLflow order_by key: attributes.start_time, metrics.`rmse`, params.`lr`. */
  key: string;
  desc: boolean;
}

/**
 * An experiment's runs, paged, sorted and filtered by the server (POST /api/v1/runs/search with the
 * MLflow filter grammar and order_by), so the table never holds more than one page.
 */
export function RunsPage(props: { experimentId: string; search: URLSearchParams }) {
  const filter = props.search.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  const [sort, setSort] = useState<Sort>({ key: 'attributes.start_time', desc: true });
  const pages = usePageTokens();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const { token } = pages;

  const experiment = useApi(
    () => api.get<Experiment>(`/api/v1/experiments/${seg(props.experimentId)}`),
    [props.experimentId],
  );
  const page = useApi(
    () =>
      api.post<{ runs: Run[]; nextPageToken?: string }>('/api/v1/runs/search', {
        experimentIds: [props.experimentId],
        filter: filter || undefined,
        orderBy: [`${sort.key} ${sort.desc ? 'DESC' : 'ASC'}`],
        maxResults: pageSize,
        pageToken: token,
      }),
    [props.experimentId, filter, sort.key, sort.desc, token],
  );

  const applyFilter = (event: FormEvent) => {
    event.preventDefault();
    pages.reset();
    const params = new URLSearchParams(props.search);
    if (draft) params.set('filter', draft);
    else params.delete('filter');
    navigate(`/experiments/${seg(props.experimentId)}${params.size ? `?${params}` : ''}`);
  };
  const sortBy = (key: string) => {
    pages.reset();
    setSort((s) => ({ key, desc: s.key === key ? !s.desc : true }));
  };
  const header = (key: string, title: string) => (
    <th className="sortable" onClick={() => sortBy(key)} title={`order by ${key}`}>
      {title}
      {sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
    </th>
  );
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section>
      <h1>
        <Link to="/">Experiments</Link> / {experiment.data?.name ?? props.experimentId}{' '}
        <Link to={`/experiments/${seg(props.experimentId)}/traces`} className="aside">
          Traces
        </Link>
      </h1>
      <form className="filter" onSubmit={applyFilter}>
        <input
          name="filter"
          aria-label="Filter runs"
          placeholder={"metrics.rmse < 1 and params.model = 'gbdt' and attributes.status = 'FINISHED'"}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
        <button
          type="button"
          disabled={selected.size < 1}
          onClick={() => navigate(`/compare?runs=${[...selected].join(',')}`)}
        >
          Compare {selected.size || ''}
        </button>
      </form>
      <Load state={page} what="Run search" endpoint="/api/v1/runs/search">
        {(data) => {
          const metricKeys = keysOf(data.runs.flatMap((r) => r.data.metrics.map((m) => m.key)));
          const paramKeys = keysOf(data.runs.flatMap((r) => r.data.params.map((p) => p.key)));
          return (
            <>
              <table data-testid="runs-table">
                <thead>
                  <tr>
                    <th />
                    {header('attributes.run_name', 'Run')}
                    {header('attributes.status', 'Status')}
                    {header('attributes.start_time', 'Started')}
                    <th>Duration</th>
                    {metricKeys.map((k) => header(`metrics.\`${k}\``, k))}
                    {paramKeys.map((k) => header(`params.\`${k}\``, k))}
                  </tr>
                </thead>
                <tbody>
                  {data.runs.map((run) => {
                    const metrics = new Map(run.data.metrics.map((m) => [m.key, m.value]));
                    const params = new Map(run.data.params.map((p) => [p.key, p.value]));
                    return (
                      <tr key={run.info.runId} data-run-id={run.info.runId}>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`select ${run.info.runName}`}
                            checked={selected.has(run.info.runId)}
                            onChange={() => toggle(run.info.runId)}
                          />
                        </td>
                        <td>
                          <Link to={`/runs/${run.info.runId}`}>{run.info.runName || run.info.runId}</Link>
                        </td>
                        <td className={`status ${run.info.status.toLowerCase()}`}>{run.info.status}</td>
                        <td>{time(run.info.startTime)}</td>
                        <td>{run.info.endTime ? duration(run.info.endTime - run.info.startTime) : ''}</td>
                        {metricKeys.map((k) => (
                          <td key={`m${k}`} className="number">
                            {num(metrics.get(k))}
                          </td>
                        ))}
                        {paramKeys.map((k) => (
                          <td key={`p${k}`}>{params.get(k)}</td>
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {data.runs.length === 0 && <div className="empty">No runs match.</div>}
              <TokenPager pages={pages} nextPageToken={data.nextPageToken} />
            </>
          );
        }}
      </Load>
    </section>
  );
}

function keysOf(keys: string[]): string[] {
  return [...new Set(keys)].sort().slice(0, maxKeyColumns);
}
