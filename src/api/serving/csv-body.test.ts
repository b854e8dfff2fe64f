import { describe, expect, it } from 'vitest';
import type { ModelMetadata } from '../../registry/model-metadata.js';
import { csvRecords, parseCsv } from './csv-body.js';

describe('parseCsv', () => {
  it('reads quoted fields holding commas, quotes and line breaks, with CRLF or LF line ends', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",\n\n')).toEqual({
      columns: ['a', 'b'],
      rows: [
        ['x, y', 'say "hi"'],
        ['two\nlines', ''],
      ],
    });
  });

  it('skips a byte-order mark and reads a last row without a line end', () => {
    expect(parseCsv('\ufeffa\n1')).toEqual({ columns: ['a'], rows: [['1']] });
  });

  it('refuses ragged rows, an open quote and an empty body', () => {
    expect(() => parseCsv('a,b\n1\n')).toThrow(/CSV row 1 has 1 fields; the header has 2/);
    expect(() => parseCsv('a\n"open\n')).toThrow(/quoted field left open/);
    expect(() => parseCsv('')).toThrow(/empty/);
  });
});

describe('csvRecords', () => {
  const metadata: ModelMetadata = {
    format: 'mloop-model/v1',
    task: 'classification',
    inputs: [
      { name: 'age', type: 'float32', optional: true },
      { name: 'zip', type: 'string' },
      { name: 'member', type: 'bool' },
    ],
    layout: { kind: 'columns' },
    outputs: { label: 'label' },
  };

  it("reads each cell as its feature's type; empty cells are missing, bad cells stay text", () => {
    const table = parseCsv('age,zip,member,other\n41.5,02139,TRUE,x\n,00501,false,y\nold,1,maybe,z\n');
    expect(csvRecords(table, metadata)).toEqual([
      { age: 41.5, zip: '02139', member: true, other: 'x' },
      { age: null, zip: '00501', member: false, other: 'y' },
      { age: 'old', zip: '1', member: 'maybe', other: 'z' },
    ]);
  });
});
