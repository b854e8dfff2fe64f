import { readFileSync, readdirSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Platform } from '../../src/platform.js';
import { quoteLiteral, withDuckDb } from '../../src/store/duckdb.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { smallCsv, writeParquet, writeText } from './dataset-files.js';

function sampleStd(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

/** Linear interpolation between order statistics (type 7), as quantile_cont and numpy compute it. */
function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
}

describeEachDialect('datasets', (dialect) => {
  let platform: Platform;
  let dir: string;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    dir = tempDir('mloop-datasets-');
  });
  afterAll(() => platform.close());

  const datasets = () => platform.data.datasets;

  it('adds a CSV once: the same bytes give the same version, and say so', async () => {
    const file = writeText(dir, 'people.csv', smallCsv);
    const first = await datasets().add('people', file, { source: 'hand-made' });
    expect(first.created).toBe(true);
    expect(first.version).toMatchObject({
      name: 'people',
      version: 1,
      format: 'csv',
      rowCount: 5,
      source: 'hand-made',
    });
    expect(first.version.parentVersion).toBeUndefined();
    expect(first.version.schema).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'age', type: 'BIGINT' },
      { name: 'city', type: 'VARCHAR' },
      { name: 'score', type: 'DOUBLE' },
    ]);
    const copy = writeText(dir, 'people-copy.csv', smallCsv);
    const again = await datasets().add('people', copy);
    expect(again.created).toBe(false);
    expect(again.version.version).toBe(1);
    expect(again.version.digest).toBe(first.version.digest);
    expect((await datasets().listVersions('people')).map((v) => v.version)).toEqual([1]);
  });

  it('profiles numbers and categories as a direct computation does', async () => {
    const { profile } = await datasets().get('people/1');
    const age = profile.columns.find((c) => c.name === 'age')!;
    const ages = [20, 30, 40, 50, 60];
    expect(age.kind).toBe('numeric');
    expect(age.mean).toBeCloseTo(40, 12);
    expect(age.std).toBeCloseTo(sampleStd(ages), 12);
    expect([age.min, age.max]).toEqual([20, 60]);
    expect(age.quantiles!.p25).toBeCloseTo(quantile(ages, 0.25), 12);
    expect(age.quantiles!.p05).toBeCloseTo(quantile(ages, 0.05), 12);
    expect(age.quantiles!.p95).toBeCloseTo(quantile(ages, 0.95), 12);
    expect(age.histogram!.reduce((n, b) => n + b.count, 0)).toBe(5);
    expect(age.histogram![0]).toMatchObject({ lower: 20, count: 1 });
    expect(age.histogram!.at(-1)).toMatchObject({ upper: 60, count: 1 });

    const score = profile.columns.find((c) => c.name === 'score')!;
    const scores = [1.5, 2.5, 4.5, 5.5];
    expect(score.missingShare).toBeCloseTo(0.2, 12);
    expect(score.count).toBe(4);
    expect(score.mean).toBeCloseTo(3.5, 12);
    expect(score.std).toBeCloseTo(sampleStd(scores), 12);
    expect(score.quantiles!.p50).toBeCloseTo(3.5, 12);

    const city = profile.columns.find((c) => c.name === 'city')!;
    expect(city).toMatchObject({ kind: 'categorical', distinct: 3, missingShare: 0 });
    expect(city.topValues).toEqual([
      { value: 'Paris', count: 3 },
      { value: 'Lyon', count: 1 },
      { value: 'Nice', count: 1 },
    ]);
  });

  it('numbers versions, links each to its parent, finds them by ref and diffs them', async () => {
    const v2 = writeText(
      dir,
      'people2.csv',
      smallCsv.replace('id,age,city,score', 'id,age,city,score2') + '6,70,Lyon,6.5\n',
    );
    const second = await datasets().add('people', v2);
    expect(second.version).toMatchObject({ version: 2, parentVersion: 1, rowCount: 6 });
    expect((await datasets().get('people')).version).toBe(2);
    expect((await datasets().get('people@latest')).version).toBe(2);
    expect((await datasets().get(`people@${second.version.digest.slice(0, 8)}`)).version).toBe(2);
    await expect(datasets().get('people/9')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });

    const diff = await datasets().diff('people/1', 'people/2');
    expect(diff.rowCount).toEqual({ from: 5, to: 6, delta: 1 });
    expect(diff.schema).toEqual([
      { column: 'score2', change: 'added', to: 'DOUBLE' },
      { column: 'score', change: 'removed', from: 'DOUBLE' },
    ]);
    const age = diff.columns.find((c) => c.name === 'age')!;
    expect(age.mean).toMatchObject({ from: 40, to: 45, delta: 5 });
    expect(age.mean!.inStd).toBeCloseTo(5 / sampleStd([20, 30, 40, 50, 60]), 12);

    const third = await datasets().add('people', writeText(dir, 'people3.csv', smallCsv + '7,1,Rome,1\n'), {
      parentVersion: 1,
    });
    expect(third.version).toMatchObject({ version: 3, parentVersion: 1 });
  });

  it('materialises a version back: the same bytes, or the same rows in another format', async () => {
    const out = join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const same = await datasets().materialise('people/1', join(out, 'people.csv'));
    expect(same.format).toBe('csv');
    expect(readFileSync(join(out, 'people.csv'), 'utf8')).toBe(smallCsv);

    await datasets().materialise('people/1', join(out, 'people.parquet'));
    const rows = await withDuckDb(async (c) =>
      (
        await c.runAndReadAll(`SELECT * FROM ${quoteLiteral(join(out, 'people.parquet'))} ORDER BY id`)
      ).getRowsJson(),
    );
    expect(rows).toEqual([
      ['1', '20', 'Paris', 1.5],
      ['2', '30', 'Lyon', 2.5],
      ['3', '40', 'Paris', null],
      ['4', '50', 'Nice', 4.5],
      ['5', '60', 'Paris', 5.5],
    ]);
    const { path } = await datasets().localPath('people/1');
    expect(readFileSync(path, 'utf8')).toBe(smallCsv);
  });

  it('adds a directory of Parquet files, addressed by paths and contents', async () => {
    const parts = join(dir, 'parts');
    mkdirSync(join(parts, 'b'), { recursive: true });
    await writeParquet(join(parts, 'a.parquet'), 'SELECT range AS x, range % 3 AS k FROM range(100)');
    await writeParquet(
      join(parts, 'b', 'c.parquet'),
      'SELECT range + 100 AS x, range % 3 AS k FROM range(50)',
    );
    const added = await datasets().add('parts', parts);
    expect(added.version).toMatchObject({ format: 'parquet', rowCount: 150 });
    expect(added.version.files.map((f) => f.path)).toEqual(['a.parquet', 'b/c.parquet']);
    const x = added.version.profile.columns.find((c) => c.name === 'x')!;
    expect(x.mean).toBeCloseTo(74.5, 12);
    const { path } = await datasets().localPath('parts/1');
    const count = await withDuckDb(async (c) =>
      Number((await c.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${quoteLiteral(path)}`)).getRows()[0]![0]),
    );
    expect(count).toBe(150);
  });

  it('profiles JSON lines', async () => {
    const file = writeText(
      dir,
      'events.jsonl',
      '{"user":"a","n":1}\n{"user":"b","n":3}\n{"user":"a","n":null}\n',
    );
    const { version } = await datasets().add('events', file);
    expect(version).toMatchObject({ format: 'jsonl', rowCount: 3 });
    expect(version.profile.columns.find((c) => c.name === 'n')).toMatchObject({
      mean: 2,
      missingShare: 1 / 3,
    });
  });

  const badInputs: Array<[string, string | Buffer, RegExp]> = [
    ['empty.csv', '', /empty \(0 bytes\)/],
    ['header-only.csv', 'a,b\n', /has a header but no rows/],
    [
      'ragged.csv',
      'a,b,c\n1,x,2\n2,y,3\n3,z\n4,w,5\n',
      /line 4 \(row 3\) has 2 values but the header names 3 columns: no value for column "c"/,
    ],
    ['extra.csv', 'a,b\n1,2\n3,4,5\n', /line 3 \(row 2\) has 3 values .* extra value after column "b"/],
    [
      'latin1.csv',
      Buffer.concat([
        Buffer.from('name,city\nann,Paris\nbob,'),
        Buffer.from([0x4d, 0xfc, 0x6e]),
        Buffer.from('\n'),
      ]),
      /line 3, column "city" is not UTF-8 \(byte 0xfc/,
    ],
    [
      'mixed.csv',
      'id,price\n1,10\n2,11.5\n3,n/a\n4,12\n',
      /line 4 \(row 3\), column "price" holds "n\/a" where 3 of 4 values are numbers/,
    ],
    ['noname.csv', 'a,,c\n1,2,3\n', /no name for column 2/],
    ['twice.csv', 'a,b,a\n1,2,3\n', /names column "a" twice/],
    ['unknown.jsonl', '{"a":1}\n{"a":2}\n{"a":3,"b":4}\n', /line 3 has column "b" that line 1 does not have/],
    ['mixed.jsonl', '{"a":1}\n{"a":2}\n{"a":"x"}\n', /line 3, column "a" holds/],
  ];

  it.each(badInputs)(
    'refuses %s, naming where, and leaves nothing behind',
    async (name, content, message) => {
      const file = writeText(dir, name, content);
      const dataset = `bad-${name.replace('.', '-')}`;
      await expect(datasets().add(dataset, file)).rejects.toMatchObject({
        code: 'INVALID_PARAMETER_VALUE',
        message: expect.stringMatching(message),
      });
      expect((await datasets().list()).map((d) => d.name)).not.toContain(dataset);
      const stored = join(platform.config.artifactRoot, 'datasets', dataset);
      expect(existsSync(stored) ? readdirSync(stored) : []).toEqual([]);
    },
  );

  it('refuses names that could leave the artifact directory', async () => {
    const file = writeText(dir, 'ok.csv', 'a\n1\n');
    await expect(datasets().add('../evil', file)).rejects.toMatchObject({ field: 'name' });
    await expect(datasets().get('people/x')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });
});
