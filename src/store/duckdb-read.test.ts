import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { withDuckDb } from './duckdb.js';
import { fileColumns, fileFormat, readFormatOf, readTableSql, type ReadFormat } from './duckdb-read.js';

function write(name: string, text: string): string {
  const path = join(tempDir('mloop-read-'), name);
  writeFileSync(path, text);
  return path;
}

async function rows(sql: string): Promise<{ types: Record<string, string>; rows: unknown[][] }> {
  return withDuckDb(async (connection) => {
    const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${sql}`)).getRowObjectsJson();
    const read = await connection.runAndReadAll(`SELECT * FROM ${sql}`);
    return {
      types: Object.fromEntries(described.map((r) => [String(r.column_name), String(r.column_type)])),
      rows: read.getRowsJson(),
    };
  });
}

const answers =
  'id,label,member,flag,zip,day,score\n1,yes,Y,true,00123,2024-01-01,1.5\n2,no,N,false,04567,2024-01-02,2\n';

describe('reading a user file', () => {
  it('keeps yes/no, Y/N and true/false as the text written, numbers as numbers, dates as dates', async () => {
    const read = await rows(readTableSql('csv', [write('answers.csv', answers)]));
    expect(read.types).toEqual({
      id: 'BIGINT',
      label: 'VARCHAR',
      member: 'VARCHAR',
      flag: 'VARCHAR',
      zip: 'VARCHAR',
      day: 'DATE',
      score: 'DOUBLE',
    });
    expect(read.rows.map((r) => r.slice(1, 5))).toEqual([
      ['yes', 'Y', 'true', '00123'],
      ['no', 'N', 'false', '04567'],
    ]);
  });

  it('reads the file with the types found once, and text columns exactly as written', async () => {
    const path = write(
      'answers.csv',
      answers.replace('2024-01-01', '13/01/2024').replace('2024-01-02', '14/01/2024'),
    );
    const found = await withDuckDb((c) => fileColumns(c, 'csv', [path]));
    expect(found.find((c) => c.name === 'day')).toEqual({ name: 'day', type: 'DATE' });
    const sql = readTableSql('csv', [path], { columnTypes: found, textColumns: ['day'] });
    expect(sql).not.toContain('sample_size = -1');
    const read = await rows(sql);
    expect(read.types).toMatchObject({ label: 'VARCHAR', day: 'VARCHAR', score: 'DOUBLE' });
    expect(read.rows.map((r) => r[5])).toEqual(['13/01/2024', '14/01/2024']);
    const typed = await rows(readTableSql('csv', [path], { columnTypes: found }));
    expect(typed.rows.map((r) => r[5])).toEqual(['2024-01-13', '2024-01-14']);
  });

  it('reads TSV, JSON lines and JSON arrays under the same rules', async () => {
    const tsv = await rows(readTableSql('tsv', [write('a.tsv', 'id\tlabel\n1\tyes\n2\tno\n')]));
    expect(tsv.types).toEqual({ id: 'BIGINT', label: 'VARCHAR' });
    expect(tsv.rows).toEqual([
      ['1', 'yes'],
      ['2', 'no'],
    ]);
    const lines = '{"id": 1, "label": "yes"}\n{"id": 2, "label": "no"}\n';
    for (const [format, name, text] of [
      ['jsonl', 'a.jsonl', lines],
      ['json', 'a.json', `[${lines.trim().split('\n').join(',')}]`],
    ] as Array<[ReadFormat, string, string]>) {
      const path = write(name, text);
      const found = await withDuckDb((c) => fileColumns(c, format, [path]));
      const read = await rows(readTableSql(format, [path], { columnTypes: found }));
      expect(read.types).toEqual({ id: 'BIGINT', label: 'VARCHAR' });
      expect(read.rows.map((r) => r[1])).toEqual(['yes', 'no']);
    }
  });

  it('tells the format by extension, globs included, and names the extensions it knows', () => {
    expect(readFormatOf('data/part-1.PARQUET')).toBe('parquet');
    expect(readFormatOf('cache/v1/**/*.csv')).toBe('csv');
    expect(readFormatOf('labels.ndjson')).toBe('jsonl');
    expect(readFormatOf('notes.txt')).toBeUndefined();
    expect(() => fileFormat('notes.txt', 'reference')).toThrow(
      /cannot tell the format of "notes.txt".*\.csv/,
    );
  });
});
