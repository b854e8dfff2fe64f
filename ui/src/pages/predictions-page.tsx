import { api, seg } from '../api';
import { DataTable } from '../components/data-table';
import { LineageGraph, upstreamNodes, usePipelineRunOf, type LineageNode } from '../components/lineage-graph';
import { Empty, Load } from '../components/status';
import { num, time } from '../format';
import { Link } from '../router';
import type { ModelVersion, Prediction } from '../types';
import { useApi } from '../use-api';
import { KeyValues } from './run-page';

export function PredictionsPage(props: { search: URLSearchParams }) {
  const model = props.search.get('model') ?? undefined;
  const deployment = props.search.get('deployment') ?? undefined;
  const state = useApi(
    // The newest predictions are what an operator looks at first.
    () =>
      api.get<{ predictions: Prediction[] }>('/api/v1/predictions', {
        model,
        deployment,
        order: 'desc',
        maxResults: 200,
      }),
    [model, deployment],
  );
  return (
    <section>
      <h1>Predictions{deployment ? ` of ${deployment}` : model ? ` of ${model}` : ''}</h1>
      <Load state={state} what="The prediction log" endpoint="/api/v1/predictions">
        {(data) =>
          data.predictions.length === 0 ? (
            <Empty>No predictions yet.</Empty>
          ) : (
            <DataTable
              testId="predictions-table"
              rows={data.predictions}
              rowKey={(p) => p.id}
              columns={[
                {
                  key: 'id',
                  title: 'Prediction',
                  render: (p) => <Link to={`/predictions/${seg(p.id)}`}>{p.id}</Link>,
                },
                { key: 'time', title: 'Time', render: (p) => time(p.time), sortValue: (p) => p.time },
                {
                  key: 'model',
                  title: 'Model',
                  render: (p) => (
                    <Link
                      to={`/models/${seg(p.model)}/versions/${p.version}`}
                    >{`${p.model} v${p.version}`}</Link>
                  ),
                },
                { key: 'deployment', title: 'Deployment', render: (p) => p.deployment ?? '' },
                { key: 'arm', title: 'Arm', render: (p) => p.arm },
                { key: 'output', title: 'Output', render: (p) => outputOf(p) },
                {
                  key: 'latency',
                  title: 'Latency',
                  render: (p) => `${num(p.latencyMs)} ms`,
                  sortValue: (p) => p.latencyMs,
                },
              ]}
            />
          )
        }
      </Load>
    </section>
  );
}

function outputOf(p: Prediction): string {
  return p.outputs.label !== undefined ? String(p.outputs.label) : num(p.outputs.value);
}

/** One prediction and its lineage back through the model version and run to the training data. */
export function PredictionPage(props: { id: string }) {
  const state = useApi(async () => {
    const prediction = await api.get<Prediction>(`/api/v1/predictions/${seg(props.id)}`);
    const version = await api
      .get<ModelVersion>(`/api/v1/models/${seg(prediction.model)}/versions/${prediction.version}`)
      .catch(() => undefined);
    return { prediction, version };
  }, [props.id]);
  const pipelineRun = usePipelineRunOf(state.data?.version?.lineage.runId);
  return (
    <section>
      <h1>
        <Link to="/predictions">Predictions</Link> / {props.id}
      </h1>
      <Load state={state} what="The prediction log" endpoint="/api/v1/predictions/:id">
        {({ prediction: p, version }) => {
          const nodes: LineageNode[] = [
            ...(version ? upstreamNodes(version.lineage, pipelineRun.data) : []),
            {
              id: 'model',
              kind: 'model',
              label: `${p.model} v${p.version}`,
              to: `/models/${seg(p.model)}/versions/${p.version}`,
            },
            ...(p.deployment
              ? [
                  {
                    id: 'dep',
                    kind: 'deployment' as const,
                    label: `${p.deployment} (${p.arm})`,
                    to: `/deployments/${seg(p.deployment)}`,
                  },
                ]
              : []),
            { id: p.id, kind: 'prediction', label: p.id.slice(0, 12) },
          ];
          return (
            <>
              <dl className="facts">
                <dt>Time</dt>
                <dd>{time(p.time)}</dd>
                <dt>Output</dt>
                <dd>{outputOf(p)}</dd>
                <dt>Latency</dt>
                <dd>{num(p.latencyMs)} ms</dd>
                <dt>Request</dt>
                <dd>{p.requestId}</dd>
              </dl>
              <h2>Lineage</h2>
              <LineageGraph nodes={nodes} />
              <h2>Inputs</h2>
              <KeyValues
                rows={Object.entries(p.inputs).map(([k, v]) => [
                  k,
                  typeof v === 'string' ? v : JSON.stringify(v),
                ])}
              />
            </>
          );
        }}
      </Load>
    </section>
  );
}
