import { api } from '../api';
import { RecordTable } from '../components/record-table';
import { Empty, Load } from '../components/status';
import { requireEndpoint } from '../endpoints';
import { useApi } from '../use-api';

interface AuditVerification {
  ok: boolean;
  entries: number;
  firstBadSeq?: number;
  reason?: string;
}

const week = 7 * 86_400_000;
const maxEntries = 1000;

/** The hash-chained audit log of the last week, newest first, and whether the chain verifies. */
export function AuditPage() {
  const state = useApi(async () => {
    await requireEndpoint('/api/v1/audit');
    const [log, verify] = await Promise.all([
      // The API lists oldest first from `since`; a week bounds the page.
      api.get<{ entries: Record<string, unknown>[] }>('/api/v1/audit', {
        since: Date.now() - week,
        limit: maxEntries,
      }),
      api.get<AuditVerification>('/api/v1/audit/verify').catch(() => undefined),
    ]);
    return { entries: [...log.entries].reverse(), verify };
  }, []);
  return (
    <section>
      <h1>Audit log</h1>
      <Load state={state} what="The audit log" endpoint="/api/v1/audit">
        {({ entries, verify }) => (
          <>
            {verify && (
              <p data-testid="audit-verify" className={verify.ok ? 'ok' : 'bad'}>
                {verify.ok
                  ? `Hash chain verified over ${verify.entries} entries.`
                  : `Hash chain BROKEN at entry ${verify.firstBadSeq}: ${verify.reason}`}
              </p>
            )}
            {entries.length === 0 ? (
              <Empty>No audit entries in the last week.</Empty>
            ) : (
              <RecordTable rows={entries} testId="audit-table" />
            )}
          </>
        )}
      </Load>
    </section>
  );
}
