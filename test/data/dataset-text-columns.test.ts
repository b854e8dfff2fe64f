import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseSuite } from '../../src/data/validation/suite.js';
import type { Platform } from '../../src/platform.js';
import { loadTrainingTable } from '../../src/training/data/load-table.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { writeText } from './dataset-files.js';

/** 2,200 customers, each with their own id; yes/no, Y/N and true/false answers; a score. */
function answersCsv(): string {
  const lines = ['customer_id,churned,member,opted_in,score'];
  for (let i = 1; i <= 2200; i++) {
    lines.push(
      `id-${i},${i % 3 === 0 ? 'yes' : 'no'},${i % 2 === 0 ? 'Y' : 'N'},${i % 5 === 0},${(i % 97) / 4}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describeEachDialect('a dataset with yes/no columns', (dialect) => {
  let platform: Platform;
  let file: string;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    file = writeText(tempDir('mloop-answers-'), 'answers.csv', answersCsv());
  });
  afterAll(() => platform.close());

  it('keeps the values as written: text columns whose top values are yes and no, not booleans', async () => {
    const { version } = await platform.data.datasets.add('answers', file);
    expect(version.schema).toEqual([
      { name: 'customer_id', type: 'VARCHAR' },
      { name: 'churned', type: 'VARCHAR' },
      { name: 'member', type: 'VARCHAR' },
      { name: 'opted_in', type: 'VARCHAR' },
      { name: 'score', type: 'DOUBLE' },
    ]);
    const column = (name: string) => version.profile.columns.find((c) => c.name === name)!;
    expect(column('churned')).toMatchObject({ kind: 'categorical', distinct: 2 });
    expect(column('churned').topValues).toEqual([
      { value: 'no', count: 1467 },
      { value: 'yes', count: 733 },
    ]);
    expect(column('member').topValues!.map((t) => t.value)).toEqual(['N', 'Y']);
    expect(column('opted_in').topValues!.map((t) => t.value)).toEqual(['false', 'true']);
  });

  it('counts 2,200 unique ids as exactly 2,200 (an estimate said 2,022)', async () => {
    const version = await platform.data.datasets.get('answers/1');
    const id = version.profile.columns.find((c) => c.name === 'customer_id')!;
    expect(id.distinct).toBe(2200);
    expect(id.distinctApproximate).toBeUndefined();
  });

  it('suggests the values as written for a validation suite', async () => {
    const suite = await platform.data.validation.suggest('answers/1');
    expect(suite.checks).toContainEqual(
      expect.objectContaining({ column: 'churned', type: 'string', allowed: ['no', 'yes'] }),
    );
  });

  it('passes yes/no, Y/N and true/false text columns as boolean in a validation suite, and ids not', async () => {
    const suite = parseSuite({
      checks: ['churned', 'member', 'opted_in', 'customer_id'].map((column) => ({ column, type: 'boolean' })),
    });
    const { report } = await platform.data.validation.validate('answers/1', suite);
    expect(report.checks.map((c) => [c.check.column, c.passed])).toEqual([
      ['churned', true],
      ['member', true],
      ['opted_in', true],
      ['customer_id', false],
    ]);
  });

  it('is read by training as the dataset shows it: the same kinds, the same category values', async () => {
    const { version, path } = await platform.data.datasets.localPath('answers/1');
    const table = await loadTrainingTable(path);
    const kinds = Object.fromEntries(table.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toEqual(
      Object.fromEntries(
        version.schema.map((c) => [c.name, c.type === 'DOUBLE' ? 'numeric' : 'categorical']),
      ),
    );
    for (const name of ['churned', 'member', 'opted_in']) {
      const shown = version.profile.columns.find((c) => c.name === name)!.topValues!.map((t) => t.value);
      const trained = table.columns.find((c) => c.name === name)!.values as ArrayLike<unknown>;
      expect(new Set(Array.from(trained))).toEqual(new Set(shown));
    }
  });
});
