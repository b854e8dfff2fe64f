import { api } from '../api';
import { RecordTable, recordsOf } from '../components/record-table';
import { Empty, Load } from '../components/status';
import { requireEndpoint } from '../endpoints';
import { useApi } from '../use-api';

/** The hash-chained audit log, newest first; "not available" until the server serves it. */
export function AuditPage() {
  const state = useApi(async () => {
    await requireEndpoint('/api/v1/audit');
    return api.get<unknown>('/api/v1/audit', { maxResults: 200 });
  }, []);
  return (
    <section>
      <h1>Audit log</h1>
      <Load state={state} what="The audit log" endpoint="/api/v1/audit">
        {(answer) => {
          const rows = recordsOf(answer);
          return rows.length === 0 ? (
            <Empty>No audit entries.</Empty>
          ) : (
            <RecordTable rows={rows} testId="audit-table" />
          );
        }}
      </Load>
    </section>
  );
}
