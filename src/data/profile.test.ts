import { describe, expect, it } from 'vitest';
import { withDuckDb } from '../store/duckdb.js';
import { profileDataset, type ProfileOptions } from './profile.js';
import { datasetRelation, describe as describeColumns } from './read-file.js';

/**
 * Profiles 4,400 orders of 2,200 customers (two each), by id as a number and as text, and a
 * yes/no answer. HyperLogLog puts the ids at 2,396 and 2,022.
 */
function profileOfIds(options: ProfileOptions = {}) {
  return withDuckDb(async (connection) => {
    await connection.run(
      `CREATE TEMP TABLE ${datasetRelation} AS SELECT i % 2200 + 1 AS id, 'id-' || (i % 2200 + 1) AS customer, ` +
        `CASE WHEN i % 3 = 0 THEN 'yes' ELSE 'no' END AS answer FROM range(4400) t(i)`,
    );
    return profileDataset(connection, await describeColumns(connection), options);
  });
}

describe('distinct counts in a profile', () => {
  it('counts 2,200 unique ids as exactly 2,200, and does not call the count an estimate', async () => {
    const profile = await profileOfIds();
    const byName = new Map(profile.columns.map((c) => [c.name, c]));
    expect(byName.get('id')!.distinct).toBe(2200);
    expect(byName.get('customer')!.distinct).toBe(2200);
    expect(byName.get('answer')!.distinct).toBe(2);
    for (const column of profile.columns) expect(column.distinctApproximate).toBeUndefined();
  });

  it('labels the counts of a table past the exact limit as estimates', async () => {
    const profile = await profileOfIds({ exactDistinctRows: 4000 });
    for (const column of profile.columns) expect(column.distinctApproximate).toBe(true);
    const id = profile.columns.find((c) => c.name === 'id')!;
    expect(Math.abs(id.distinct - 2200) / 2200).toBeLessThan(0.1);
  });
});
