import { useState } from 'react';
import { api, authHeaders, seg } from '../api';
import { DataTable } from '../components/data-table';
import { PipelineDag } from '../components/pipeline-dag';
import { Empty, Load } from '../components/status';
import { requireEndpoint } from '../endpoints';
import { duration, time } from '../format';
import { declaredTriggers, triggerText, type PipelineTriggers } from '../pipeline-triggers';
import { Link } from '../router';
import { useApi } from '../use-api';

interface Pipeline {
  name: string;
  definition: {
    description?: string;
    steps?: { name: string; needs?: string[] }[];
    triggers?: PipelineTriggers;
  };
  source: { kind: string; path: string };
  createdTime: number;
  updatedTime: number;
  /** In the listing: the newest run. */
  lastRun?: Pick<PipelineRun, 'id' | 'status' | 'trigger' | 'startTime' | 'endTime'>;
}
interface StepRun {
  id: string;
  step: string;
  status: string;
  attempt: number;
  cacheHit: boolean;
  cacheKey?: string;
  error?: string;
  trackingRunId?: string;
  startTime?: number;
  endTime?: number;
}
interface PipelineRun {
  id: string;
  pipeline: string;
  status: string;
  trigger: { kind: string; detail: Record<string, unknown> };
  trackingRunId?: string;
  error?: string;
  startTime: number;
  endTime?: number;
  steps: StepRun[];
}

const elapsed = (s: { startTime?: number; endTime?: number }) =>
  s.startTime !== undefined && s.endTime !== undefined ? s.endTime - s.startTime : undefined;

/** Registered pipelines; "not available" on a server without the pipelines API. */
export function PipelinesPage() {
  const pipelines = useApi(async () => {
    await requireEndpoint('/api/v1/pipelines');
    return api.get<{ pipelines: Pipeline[] }>('/api/v1/pipelines');
  }, []);
  return (
    <section>
      <h1>Pipelines</h1>
      <Load state={pipelines} what="Pipelines" endpoint="/api/v1/pipelines">
        {(data) =>
          data.pipelines.length === 0 ? (
            <Empty>No pipelines registered.</Empty>
          ) : (
            <DataTable
              testId="pipelines-table"
              rows={data.pipelines}
              rowKey={(p) => p.name}
              columns={[
                {
                  key: 'name',
                  title: 'Name',
                  render: (p) => <Link to={`/pipelines/${seg(p.name)}`}>{p.name}</Link>,
                  sortValue: (p) => p.name,
                },
                { key: 'steps', title: 'Steps', render: (p) => p.definition.steps?.length ?? '' },
                {
                  key: 'triggers',
                  title: 'Triggers',
                  render: (p) => declaredTriggers(p.definition.triggers).join(' · ') || 'manual only',
                },
                {
                  key: 'last',
                  title: 'Last run',
                  render: (p) =>
                    p.lastRun ? (
                      <>
                        <Link
                          to={`/pipeline-runs/${seg(p.lastRun.id)}`}
                          className={runStatusClass(p.lastRun.status)}
                        >
                          {p.lastRun.status}
                        </Link>{' '}
                        <span className="muted">
                          {time(p.lastRun.startTime)} · {triggerText(p.lastRun.trigger)}
                        </span>
                      </>
                    ) : (
                      <span className="muted">never run</span>
                    ),
                  sortValue: (p) => p.lastRun?.startTime ?? 0,
                },
                { key: 'source', title: 'Source', render: (p) => p.source.path },
                {
                  key: 'updated',
                  title: 'Updated',
                  render: (p) => time(p.updatedTime),
                  sortValue: (p) => p.updatedTime,
                },
              ]}
            />
          )
        }
      </Load>
    </section>
  );
}

/** One pipeline: its DAG and its runs, newest first. */
export function PipelinePage(props: { name: string }) {
  const base = `/api/v1/pipelines/${seg(props.name)}`;
  const state = useApi(
    () =>
      Promise.all([
        api.get<Pipeline>(base),
        api.get<{ runs: PipelineRun[] }>(`${base}/runs`, { max_results: 100 }),
      ]),
    [base],
  );
  return (
    <section>
      <h1>
        <Link to="/pipelines">Pipelines</Link> / {props.name}
      </h1>
      <Load state={state} what="Pipelines" endpoint="/api/v1/pipelines/:name">
        {([pipeline, runs]) => (
          <>
            {pipeline.definition.description && <p>{pipeline.definition.description}</p>}
            <PipelineDag
              steps={(pipeline.definition.steps ?? []).map((s) => ({ name: s.name, needs: s.needs ?? [] }))}
            />
            <h2>Runs</h2>
            {runs.runs.length === 0 ? (
              <Empty>No runs yet.</Empty>
            ) : (
              <DataTable
                testId="pipeline-runs-table"
                rows={runs.runs}
                rowKey={(r) => r.id}
                columns={[
                  {
                    key: 'id',
                    title: 'Run',
                    render: (r) => <Link to={`/pipeline-runs/${seg(r.id)}`}>{r.id}</Link>,
                  },
                  { key: 'status', title: 'Status', render: (r) => r.status },
                  { key: 'trigger', title: 'Trigger', render: (r) => triggerText(r.trigger) },
                  {
                    key: 'started',
                    title: 'Started',
                    render: (r) => time(r.startTime),
                    sortValue: (r) => r.startTime,
                  },
                  { key: 'duration', title: 'Duration', render: (r) => duration(elapsed(r)) },
                  {
                    key: 'cached',
                    title: 'Cache hits',
                    render: (r) => `${r.steps.filter((s) => s.cacheHit).length} / ${r.steps.length}`,
                  },
                ]}
              />
            )}
          </>
        )}
      </Load>
    </section>
  );
}

/** One pipeline run: the DAG with each step's status, duration and cache hit, and step logs. */
export function PipelineRunPage(props: { id: string }) {
  const state = useApi(async () => {
    const run = await api.get<PipelineRun>(`/api/v1/pipeline-runs/${seg(props.id)}`);
    const pipeline = await api.get<Pipeline>(`/api/v1/pipelines/${seg(run.pipeline)}`);
    return { run, pipeline };
  }, [props.id]);
  const [step, setStep] = useState<string | undefined>();
  return (
    <section>
      <Load state={state} what="Pipeline runs" endpoint="/api/v1/pipeline-runs/:id">
        {({ run, pipeline }) => {
          const latest = new Map<string, StepRun>();
          for (const s of run.steps)
            if ((latest.get(s.step)?.attempt ?? -1) < s.attempt) latest.set(s.step, s);
          const steps = (pipeline.definition.steps ?? []).map((s) => {
            const r = latest.get(s.name);
            return {
              name: s.name,
              needs: s.needs ?? [],
              status: r?.status,
              cacheHit: r?.cacheHit,
              durationMs: r ? elapsed(r) : undefined,
            };
          });
          return (
            <>
              <h1>
                <Link to="/pipelines">Pipelines</Link> /{' '}
                <Link to={`/pipelines/${seg(run.pipeline)}`}>{run.pipeline}</Link> / {run.id}
              </h1>
              <dl className="facts">
                <dt>Status</dt>
                <dd>{run.status}</dd>
                <dt>Trigger</dt>
                <dd>{triggerText(run.trigger)}</dd>
                <dt>Started</dt>
                <dd>{time(run.startTime)}</dd>
                <dt>Duration</dt>
                <dd>{duration(elapsed(run))}</dd>
                {run.trackingRunId && (
                  <>
                    <dt>Tracked run</dt>
                    <dd>
                      <Link to={`/runs/${run.trackingRunId}`}>{run.trackingRunId}</Link>
                    </dd>
                  </>
                )}
                {run.error && (
                  <>
                    <dt>Error</dt>
                    <dd className="bad">{run.error}</dd>
                  </>
                )}
              </dl>
              <PipelineDag steps={steps} selected={step} onSelect={setStep} />
              <DataTable
                testId="step-runs-table"
                rows={[...latest.values()]}
                rowKey={(s) => s.id}
                columns={[
                  {
                    key: 'step',
                    title: 'Step',
                    render: (s) => <button onClick={() => setStep(s.step)}>{s.step}</button>,
                  },
                  { key: 'status', title: 'Status', render: (s) => s.status },
                  { key: 'attempt', title: 'Attempt', render: (s) => s.attempt },
                  {
                    key: 'duration',
                    title: 'Duration',
                    render: (s) => duration(elapsed(s)),
                    sortValue: (s) => elapsed(s),
                  },
                  { key: 'cache', title: 'Cache', render: (s) => (s.cacheHit ? 'hit' : 'miss') },
                  {
                    key: 'run',
                    title: 'Tracked run',
                    render: (s) =>
                      s.trackingRunId ? (
                        <Link to={`/runs/${s.trackingRunId}`}>{s.trackingRunId.slice(0, 12)}</Link>
                      ) : (
                        ''
                      ),
                  },
                  { key: 'error', title: 'Error', render: (s) => s.error ?? '' },
                ]}
              />
              {step && <StepLog runId={run.id} step={step} />}
            </>
          );
        }}
      </Load>
    </section>
  );
}

function StepLog(props: { runId: string; step: string }) {
  const state = useApi(async () => {
    const response = await fetch(`/api/v1/pipeline-runs/${seg(props.runId)}/steps/${seg(props.step)}/logs`, {
      headers: authHeaders(),
    });
    return response.ok ? response.text() : `(no log: ${response.status})`;
  }, [props.runId, props.step]);
  return (
    <>
      <h2>Log of {props.step}</h2>
      <Load state={state} what="Step logs" endpoint="/api/v1/pipeline-runs/:id/steps/:step/logs">
        {(text) => (
          <pre className="log" data-testid="step-log">
            {text || '(empty)'}
          </pre>
        )}
      </Load>
    </>
  );
}

/** What started a run, with the detail that says which one: the alert's rule, the dataset version, the commit. */
function runStatusClass(status: string): string | undefined {
  return status === 'SUCCEEDED' ? 'ok' : status === 'FAILED' ? 'bad' : undefined;
}
