import { api } from '../api';
import { DataTable } from '../components/data-table';
import { Load } from '../components/status';
import { time } from '../format';
import { Link } from '../router';
import type { Experiment } from '../types';
import { useApi } from '../use-api';

export function ExperimentsPage() {
  const state = useApi(
    () => api.get<{ experiments: Experiment[] }>('/api/v1/experiments', { maxResults: 1000 }),
    [],
  );
  return (
    <section>
      <h1>Experiments</h1>
      <Load state={state} what="Experiments" endpoint="/api/v1/experiments">
        {(data) => (
          <DataTable
            testId="experiments-table"
            rows={data.experiments}
            rowKey={(e) => e.experimentId}
            columns={[
              {
                key: 'name',
                title: 'Name',
                render: (e) => <Link to={`/experiments/${e.experimentId}`}>{e.name}</Link>,
                sortValue: (e) => e.name,
              },
              { key: 'id', title: 'ID', render: (e) => e.experimentId },
              {
                key: 'runs',
                title: 'Runs',
                render: (e) => e.runCount ?? '',
                sortValue: (e) => e.runCount,
              },
              {
                key: 'created',
                title: 'Created',
                render: (e) => time(e.creationTime),
                sortValue: (e) => e.creationTime,
              },
              {
                key: 'updated',
                title: 'Last update',
                render: (e) => time(e.lastUpdateTime),
                sortValue: (e) => e.lastUpdateTime,
              },
            ]}
          />
        )}
      </Load>
    </section>
  );
}
