import { api } from '../api';
import { RecordTable, recordsOf } from '../components/record-table';
import { Empty, Load } from '../components/status';
import { requireEndpoint } from '../endpoints';
import { useApi } from '../use-api';

/** Pipelines and their runs; shows "not available" until the server has the pipelines API. */
export function PipelinesPage() {
  const pipelines = useApi(async () => {
    await requireEndpoint('/api/v1/pipelines');
    return api.get<unknown>('/api/v1/pipelines');
  }, []);
  return (
    <section>
      <h1>Pipelines</h1>
      <Load state={pipelines} what="Pipelines" endpoint="/api/v1/pipelines">
        {(answer) => {
          const rows = recordsOf(answer);
          return rows.length === 0 ? (
            <Empty>No pipelines.</Empty>
          ) : (
            <RecordTable rows={rows} testId="pipelines-table" />
          );
        }}
      </Load>
    </section>
  );
}
