import { num, time } from '../format';

type Row = Record<string, unknown>;

/**
 * A table of whatever records an endpoint returns: for APIs whose shapes are still settling
 * (pipelines, audit), so the page shows real data without a second copy of their types.
 */
export function RecordTable(props: { rows: Row[]; testId?: string }) {
  const keys = [...new Set(props.rows.flatMap((r) => Object.keys(r)))].filter((k) =>
    props.rows.some((r) => isScalar(r[k])),
  );
  return (
    <table data-testid={props.testId}>
      <thead>
        <tr>
          {keys.map((k) => (
            <th key={k}>{k}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r, i) => (
          <tr key={i}>
            {keys.map((k) => (
              <td key={k}>{cell(k, r[k])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function isScalar(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function cell(key: string, v: unknown): string {
  if (typeof v === 'number') return /time|At$/i.test(key) && v > 1e12 ? time(v) : num(v);
  if (isScalar(v)) return String(v ?? '');
  return '';
}

/** The first array of records in an API answer (`{runs: [...]}`, `{entries: [...]}`). */
export function recordsOf(answer: unknown): Row[] {
  if (Array.isArray(answer)) return answer as Row[];
  if (answer && typeof answer === 'object') {
    for (const value of Object.values(answer)) if (Array.isArray(value)) return value as Row[];
  }
  return [];
}
