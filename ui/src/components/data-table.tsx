import { useState, type ReactNode } from 'react';

export interface Column<T> {
  key: string;
  title: string;
  render: (row: T) => ReactNode;
  /** Sort value; columns without one are not sortable. */
  sortValue?: (row: T) => number | string | undefined;
}

/** A table sorted in the browser: for lists the server returns whole (models, versions, alerts). */
export function DataTable<T>(props: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  testId?: string;
}) {
  const [sort, setSort] = useState<{ key: string; desc: boolean } | undefined>();
  const column = props.columns.find((c) => c.key === sort?.key);
  const rows = column?.sortValue
    ? [...props.rows].sort(compareBy(column.sortValue, sort?.desc ?? false))
    : props.rows;
  return (
    <table data-testid={props.testId}>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th
              key={c.key}
              className={c.sortValue ? 'sortable' : undefined}
              onClick={() =>
                c.sortValue && setSort({ key: c.key, desc: sort?.key === c.key ? !sort.desc : false })
              }
            >
              {c.title}
              {sort?.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={props.rowKey(row)}>
            {props.columns.map((c) => (
              <td key={c.key}>{c.render(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function compareBy<T>(value: (row: T) => number | string | undefined, desc: boolean) {
  return (a: T, b: T) => {
    const x = value(a);
    const y = value(b);
    if (x === y) return 0;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const order = x < y ? -1 : 1;
    return desc ? -order : order;
  };
}
