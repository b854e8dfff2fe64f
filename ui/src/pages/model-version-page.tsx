import { api, seg } from '../api';
import { LineageGraph, upstreamNodes, usePipelineRunOf, type LineageNode } from '../components/lineage-graph';
import { Empty, Load } from '../components/status';
import { num, time } from '../format';
import { Link } from '../router';
import type { Deployment, ModelVersion, Prediction } from '../types';
import { requireEndpoint } from '../endpoints';
import { useApi } from '../use-api';
import { KeyValues } from './run-page';

interface GateReport {
  id: string;
  passed: boolean;
  time: number;
  holdout: string;
  rows: number;
  checks: { name: string; passed: boolean; observed?: number; threshold: number; reason: string }[];
}

export function ModelVersionPage(props: { name: string; version: string }) {
  const base = `/api/v1/models/${seg(props.name)}/versions/${seg(props.version)}`;
  const state = useApi(() => api.get<ModelVersion>(base), [base]);
  return (
    <section>
      <h1>
        <Link to="/models">Models</Link> / <Link to={`/models/${seg(props.name)}`}>{props.name}</Link> / v
        {props.version}
      </h1>
      <Load state={state} what="Model versions" endpoint="/api/v1/models/:name/versions/:version">
        {(v) => <VersionDetails version={v} />}
      </Load>
      <h2>Gate reports</h2>
      <GateReports base={base} />
    </section>
  );
}

function VersionDetails({ version: v }: { version: ModelVersion }) {
  const related = useApi(async () => {
    const [deployments, predictions] = await Promise.all([
      api.get<{ deployments: Deployment[] }>('/api/v1/deployments').catch(() => ({ deployments: [] })),
      api
        .get<{ predictions: Prediction[] }>('/api/v1/predictions', { model: v.name, maxResults: 1000 })
        .catch(() => ({ predictions: [] })),
    ]);
    const serves = (d: Deployment) =>
      d.model === v.name &&
      [d.primary, d.candidate?.version].some(
        (s) => s === String(v.version) || (s !== undefined && v.aliases.includes(s)),
      );
    return {
      deployments: deployments.deployments.filter(serves),
      predictions: predictions.predictions.filter((p) => p.version === v.version).slice(-5),
    };
  }, [v.name, v.version]);
  const pipelineRun = usePipelineRunOf(v.lineage.runId);
  const nodes: LineageNode[] = [
    ...upstreamNodes(v.lineage, pipelineRun.data),
    { id: 'model', kind: 'model', label: `${v.name} v${v.version}` },
    ...(related.data?.deployments ?? []).map((d) => ({
      id: `dep${d.name}`,
      kind: 'deployment' as const,
      label: d.name,
      to: `/deployments/${seg(d.name)}`,
    })),
    ...(related.data?.predictions ?? []).map((p) => ({
      id: p.id,
      kind: 'prediction' as const,
      label: p.id.slice(0, 12),
      to: `/predictions/${seg(p.id)}`,
    })),
  ];
  return (
    <>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{v.status}</dd>
        <dt>Aliases</dt>
        <dd>{v.aliases.map((a) => `@${a}`).join(' ') || 'none'}</dd>
        <dt>Task</dt>
        <dd>{v.metadata?.task ?? ''}</dd>
        <dt>Created</dt>
        <dd>{time(v.creationTime)}</dd>
        <dt>Source</dt>
        <dd>{v.source}</dd>
        {v.lineage.git && (
          <>
            <dt>Git</dt>
            <dd>
              {v.lineage.git.commit.slice(0, 12)}
              {v.lineage.git.dirty ? ' (dirty)' : ''}
            </dd>
          </>
        )}
      </dl>
      <h2>Lineage</h2>
      <LineageGraph nodes={nodes} />
      <h2>Signature</h2>
      <KeyValues rows={(v.metadata?.inputs ?? []).map((i) => [i.name, i.type])} />
      <h2>Tags</h2>
      <KeyValues rows={v.tags.map((t) => [t.key, t.value])} />
    </>
  );
}

function GateReports(props: { base: string }) {
  const state = useApi(async () => {
    await requireEndpoint('/api/v1/models/{name}/versions/{version}/gate-reports');
    return api.get<{ reports: GateReport[] }>(`${props.base}/gate-reports`);
  }, [props.base]);
  return (
    <Load state={state} what="Gate reports" endpoint="/api/v1/models/:name/versions/:version/gate-reports">
      {(data) =>
        data.reports.length === 0 ? (
          <Empty>No gate reports.</Empty>
        ) : (
          <>
            {data.reports.map((r) => (
              <div key={r.id} className="gate">
                <strong className={r.passed ? 'ok' : 'bad'}>{r.passed ? 'passed' : 'failed'}</strong>{' '}
                {time(r.time)} on {r.holdout} ({r.rows} rows)
                <ul>
                  {r.checks.map((c) => (
                    <li key={c.name} className={c.passed ? 'ok' : 'bad'}>
                      {c.name}: {num(c.observed)} vs {num(c.threshold)} — {c.reason}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
          </>
        )
      }
    </Load>
  );
}
