import { api, seg } from '../api';
import { DataTable } from '../components/data-table';
import { Empty, Load } from '../components/status';
import { time } from '../format';
import { Link } from '../router';
import type { ModelVersion, Promotion, RegisteredModel } from '../types';
import { useApi } from '../use-api';

export function ModelsPage() {
  const state = useApi(
    () => api.get<{ models: RegisteredModel[] }>('/api/v1/models', { maxResults: 1000 }),
    [],
  );
  return (
    <section>
      <h1>Models</h1>
      <Load state={state} what="The model registry" endpoint="/api/v1/models">
        {(data) =>
          data.models.length === 0 ? (
            <Empty>No registered models.</Empty>
          ) : (
            <DataTable
              testId="models-table"
              rows={data.models}
              rowKey={(m) => m.name}
              columns={[
                {
                  key: 'name',
                  title: 'Name',
                  render: (m) => <Link to={`/models/${seg(m.name)}`}>{m.name}</Link>,
                  sortValue: (m) => m.name,
                },
                {
                  key: 'latest',
                  title: 'Latest version',
                  render: (m) => m.latestVersion,
                  sortValue: (m) => m.latestVersion,
                },
                {
                  key: 'aliases',
                  title: 'Aliases',
                  render: (m) => m.aliases.map((a) => `@${a.alias} → v${a.version}`).join(', '),
                },
                {
                  key: 'updated',
                  title: 'Updated',
                  render: (m) => time(m.lastUpdatedTime),
                  sortValue: (m) => m.lastUpdatedTime,
                },
              ]}
            />
          )
        }
      </Load>
    </section>
  );
}

export function ModelPage(props: { name: string }) {
  const model = useApi(() => api.get<RegisteredModel>(`/api/v1/models/${seg(props.name)}`), [props.name]);
  const versions = useApi(
    () =>
      api.get<{ versions: ModelVersion[] }>(`/api/v1/models/${seg(props.name)}/versions`, {
        maxResults: 200,
      }),
    [props.name],
  );
  const history = useApi(
    () => api.get<{ promotions: Promotion[] }>(`/api/v1/models/${seg(props.name)}/history`),
    [props.name],
  );
  return (
    <section>
      <h1>
        <Link to="/models">Models</Link> / {props.name}
      </h1>
      <Load state={model} what="The model registry" endpoint="/api/v1/models/:name">
        {(m) => (
          <>
            {m.description && <p>{m.description}</p>}
            <h2>Aliases</h2>
            {m.aliases.length === 0 ? (
              <Empty>No aliases.</Empty>
            ) : (
              <ul className="chips">
                {m.aliases.map((a) => (
                  <li key={a.alias}>
                    <Link to={`/models/${seg(m.name)}/versions/${a.version}`}>
                      @{a.alias} → v{a.version}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Load>
      <h2>Versions</h2>
      <Load state={versions} what="Model versions" endpoint="/api/v1/models/:name/versions">
        {(data) => (
          <DataTable
            testId="versions-table"
            rows={data.versions}
            rowKey={(v) => String(v.version)}
            columns={[
              {
                key: 'version',
                title: 'Version',
                render: (v) => <Link to={`/models/${seg(v.name)}/versions/${v.version}`}>v{v.version}</Link>,
                sortValue: (v) => v.version,
              },
              { key: 'aliases', title: 'Aliases', render: (v) => v.aliases.map((a) => `@${a}`).join(' ') },
              { key: 'status', title: 'Status', render: (v) => v.status },
              { key: 'task', title: 'Task', render: (v) => v.metadata?.task ?? '' },
              {
                key: 'run',
                title: 'Run',
                render: (v) => (v.runId ? <Link to={`/runs/${v.runId}`}>{v.runId.slice(0, 12)}</Link> : ''),
              },
              {
                key: 'created',
                title: 'Created',
                render: (v) => time(v.creationTime),
                sortValue: (v) => v.creationTime,
              },
            ]}
          />
        )}
      </Load>
      <h2>Alias history</h2>
      <Load state={history} what="Alias history" endpoint="/api/v1/models/:name/history">
        {(data) =>
          data.promotions.length === 0 ? (
            <Empty>No alias moves yet.</Empty>
          ) : (
            <DataTable
              testId="history-table"
              rows={data.promotions}
              rowKey={(p) => p.id}
              columns={[
                { key: 'time', title: 'Time', render: (p) => time(p.time), sortValue: (p) => p.time },
                { key: 'kind', title: 'Change', render: (p) => p.kind },
                { key: 'alias', title: 'Alias', render: (p) => `@${p.alias}` },
                { key: 'from', title: 'From', render: (p) => (p.fromVersion ? `v${p.fromVersion}` : '') },
                { key: 'to', title: 'To', render: (p) => (p.toVersion ? `v${p.toVersion}` : '') },
                { key: 'actor', title: 'By', render: (p) => String(p.actor ?? '') },
                { key: 'reason', title: 'Reason', render: (p) => p.reason ?? '' },
              ]}
            />
          )
        }
      </Load>
    </section>
  );
}
