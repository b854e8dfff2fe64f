import { useState, type FormEvent } from 'react';
import { api, seg } from '../api';
import { Load } from '../components/status';
import { TokenPager, usePageTokens } from '../components/token-pager';
import { duration, time } from '../format';
import { Link, navigate } from '../router';
import type { Experiment, Span, TraceDetail, TraceSummary } from '../types';
import { useApi } from '../use-api';

const pageSize = 50;

/**
 * An experiment's traces (MLflow 3's `mlflow.trace`), newest first, paged by the server:
 * when each started, its name and request, status, how long it took and the run it belongs to.
 */
export function TracesPage(props: { experimentId: string; search: URLSearchParams }) {
  const filter = props.search.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  const pages = usePageTokens();
  const { token } = pages;
  const experiment = useApi(
    () => api.get<Experiment>(`/api/v1/experiments/${seg(props.experimentId)}`),
    [props.experimentId],
  );
  const page = useApi(
    () =>
      api.get<{ traces: TraceSummary[]; nextPageToken?: string }>(
        `/api/v1/experiments/${seg(props.experimentId)}/traces`,
        { filter: filter || undefined, maxResults: pageSize, pageToken: token },
      ),
    [props.experimentId, filter, token],
  );
  const applyFilter = (event: FormEvent) => {
    event.preventDefault();
    pages.reset();
    const path = `/experiments/${seg(props.experimentId)}/traces`;
    navigate(draft ? `${path}?${new URLSearchParams({ filter: draft })}` : path);
  };

  return (
    <section>
      <h1>
        <Link to="/">Experiments</Link> /{' '}
        <Link to={`/experiments/${seg(props.experimentId)}`}>
          {experiment.data?.name ?? props.experimentId}
        </Link>{' '}
        / Traces
      </h1>
      <form className="filter" onSubmit={applyFilter}>
        <input
          name="filter"
          aria-label="Filter traces"
          placeholder={"trace.status = 'ERROR' and tags.env = 'prod' and trace.execution_time_ms > 500"}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      <Load state={page} what="Traces" endpoint="/api/v1/experiments/:id/traces">
        {(data) => (
          <>
            <table data-testid="traces-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Trace</th>
                  <th>Request</th>
                  <th>Status</th>
                  <th>Duration</th>
                  <th>Run</th>
                </tr>
              </thead>
              <tbody>
                {data.traces.map((t) => (
                  <tr key={t.traceId} data-trace-id={t.traceId}>
                    <td>{time(t.requestTime)}</td>
                    <td>
                      <Link to={`/traces/${seg(t.traceId)}`}>{t.name || t.traceId}</Link>
                    </td>
                    <td className="preview" title={t.requestPreview}>
                      {preview(t.requestPreview)}
                    </td>
                    <td className={`status ${statusClass(t.state)}`}>{t.state}</td>
                    <td className="number">{duration(t.executionDuration)}</td>
                    <td>
                      {t.runIds.map((id) => (
                        <Link key={id} to={`/runs/${seg(id)}`}>
                          {id.slice(0, 8)}
                        </Link>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.traces.length === 0 && <div className="empty">No traces match.</div>}
            <TokenPager pages={pages} nextPageToken={data.nextPageToken} />
          </>
        )}
      </Load>
    </section>
  );
}

/** One trace: its summary, assessments and the tree of its spans, each with its timing and data. */
export function TracePage(props: { traceId: string }) {
  const trace = useApi(() => api.get<TraceDetail>(`/api/v1/traces/${seg(props.traceId)}`), [props.traceId]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  return (
    <Load state={trace} what="Trace" endpoint="/api/v1/traces/:id">
      {(t) => {
        const open = t.spans.find((s) => s.spanId === selected) ?? t.spans[0];
        return (
          <section>
            <h1>
              <Link to="/">Experiments</Link> /{' '}
              <Link to={`/experiments/${seg(t.experimentId)}/traces`}>Traces</Link> / {t.name || t.traceId}
            </h1>
            <table className="kv">
              <tbody>
                <tr>
                  <th>Trace</th>
                  <td>{t.traceId}</td>
                </tr>
                <tr>
                  <th>Status</th>
                  <td className={`status ${statusClass(t.state)}`}>{t.state}</td>
                </tr>
                <tr>
                  <th>Started</th>
                  <td>{time(t.requestTime)}</td>
                </tr>
                <tr>
                  <th>Duration</th>
                  <td>{duration(t.executionDuration)}</td>
                </tr>
                <tr>
                  <th>Run</th>
                  <td>
                    {t.runIds.map((id) => (
                      <Link key={id} to={`/runs/${seg(id)}`}>
                        {id}
                      </Link>
                    ))}
                  </td>
                </tr>
                {t.tags
                  .filter((tag) => !tag.key.startsWith('mlflow.'))
                  .map((tag) => (
                    <tr key={tag.key}>
                      <th>{tag.key}</th>
                      <td>{tag.value}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
            {t.assessments.length > 0 && (
              <>
                <h2>Assessments</h2>
                <table data-testid="assessments-table">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Kind</th>
                      <th>Value</th>
                      <th>Rationale</th>
                      <th>Source</th>
                    </tr>
                  </thead>
                  <tbody>
                    {t.assessments.map((a) => (
                      <tr key={a.assessmentId} className={a.valid ? undefined : 'superseded'}>
                        <td>{a.name}</td>
                        <td>{a.kind}</td>
                        <td>{json(a.value)}</td>
                        <td>{a.rationale}</td>
                        <td>{a.source}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
            <h2>Spans</h2>
            {t.spans.length === 0 ? (
              <div className="empty">This trace's spans are not stored on this server.</div>
            ) : (
              <div className="span-view">
                <ul className="span-tree" data-testid="span-tree">
                  {treeOf(t.spans).map(({ span, depth }) => (
                    <li
                      key={span.spanId}
                      data-span-name={span.name}
                      style={{ paddingLeft: `${depth * 16}px` }}
                    >
                      <button
                        type="button"
                        className={span === open ? 'active' : undefined}
                        onClick={() => setSelected(span.spanId)}
                      >
                        <span className={`status ${statusClass(span.status)}`}>{span.name}</span>
                        {span.spanType ? <span className="span-type"> {span.spanType}</span> : null}{' '}
                        <span className="span-duration">
                          {duration(span.endTime === undefined ? undefined : span.endTime - span.startTime)}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
                {open && <SpanDetail span={open} />}
              </div>
            )}
          </section>
        );
      }}
    </Load>
  );
}

function SpanDetail(props: { span: Span }) {
  const { span } = props;
  return (
    <div className="span-detail" data-testid="span-detail">
      <h3>{span.name}</h3>
      {span.statusMessage && <div className="error">{span.statusMessage}</div>}
      <h4>Inputs</h4>
      <pre data-testid="span-inputs">{json(span.inputs)}</pre>
      <h4>Outputs</h4>
      <pre data-testid="span-outputs">{json(span.outputs)}</pre>
      <h4>Attributes</h4>
      <table className="kv">
        <tbody>
          {Object.entries(span.attributes).map(([key, value]) => (
            <tr key={key}>
              <th>{key}</th>
              <td>{json(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Spans in tree order (each after its parent, children by start time), with their depth. */
export function treeOf(spans: Span[]): { span: Span; depth: number }[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, Span[]>();
  for (const s of spans) {
    // A span whose parent is missing (a partial trace) is shown as a root.
    const parent = s.parentId !== undefined && ids.has(s.parentId) ? s.parentId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const out: { span: Span; depth: number }[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      out.push({ span: s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

function json(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function preview(text: string | undefined): string {
  if (!text) return '';
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function statusClass(state: string): string {
  return state === 'ERROR' ? 'failed' : state === 'IN_PROGRESS' ? 'running' : '';
}
