import { invalidParameter } from '../../core/errors.js';
import type { ModelMetadata } from '../../registry/model-metadata.js';
import { csvCellValue } from '../../serving/csv-cell.js';

/** A CSV request body: the header row's names and the data rows, as text. */
export interface CsvTable {
  columns: string[];
  rows: string[][];
}

/**
 * Where a `text/csv` body travels inside the parsed request body. A symbol, so no JSON body can
 * carry it and the JSON formats' schema is unaffected.
 */
export const csvTableKey: unique symbol = Symbol('csv table');

/**
 * Parses CSV as RFC 4180 writes it (and as pandas' `to_csv` does): comma-separated, fields in
 * double quotes may hold commas, line breaks and `""` for a quote; CRLF or LF line ends. The first
 * row names the columns; blank lines are skipped.
 */
export function parseCsv(text: string): CsvTable {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    record.push(field);
    field = '';
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
    } else field += c;
  }
  if (quoted) throw invalidParameter('body', `the CSV body has a quoted field left open (line ${line})`);
  if (field !== '' || record.length > 0) endRecord();

  const [columns, ...rows] = records;
  if (!columns)
    throw invalidParameter('body', 'the CSV body is empty: send a header row of feature names, then rows');
  rows.forEach((row, r) => {
    if (row.length !== columns.length) {
      throw invalidParameter(
        `body[${r}]`,
        `CSV row ${r + 1} has ${row.length} fields; the header has ${columns.length} (${columns.join(', ')})`,
      );
    }
  });
  return { columns, rows };
}

/** Records from a CSV table, each cell read as the model's feature of that column wants it. */
export function csvRecords(table: CsvTable, metadata: ModelMetadata): Record<string, unknown>[] {
  const types = new Map(metadata.inputs.map((f) => [f.name, f.type]));
  const columnTypes = table.columns.map((c) => types.get(c));
  return table.rows.map((row) =>
    Object.fromEntries(table.columns.map((c, j) => [c, csvCellValue(row[j] ?? '', columnTypes[j])])),
  );
}
