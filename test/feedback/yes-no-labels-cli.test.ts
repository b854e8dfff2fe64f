import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { seededRandom } from '../../src/core/random.js';
import { openPlatform } from '../../src/platform.js';
import { runMloop } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const mloop = (home: string, args: string[]) => runMloop(home, args);

/** Customers who churned (yes/no) when short-lived on the basic plan; members marked Y/N. */
function churnCsv(): string {
  const random = seededRandom(11);
  const lines = ['tenure,plan,member,churned'];
  for (let i = 0; i < 300; i++) {
    const tenure = Math.round(random() * 60);
    const plan = ['basic', 'pro'][Math.floor(random() * 2)]!;
    const member = random() < 0.5 ? 'Y' : 'N';
    const churned = tenure < 20 + (plan === 'basic' ? 10 : 0) + random() * 10;
    lines.push(`${tenure},${plan},${member},${churned ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

// A new user's first hour: a CSV whose label is yes/no goes through data, train, predict and
// feedback, and every command reads the column as the text the file holds.
describe('a yes/no label from data add to feedback add', { timeout: 240_000 }, () => {
  let home: string;

  beforeAll(() => {
    home = tempDir('mloop-yes-no-');
    writeFileSync(join(home, 'churn.csv'), churnCsv());
  });

  it('is text in the dataset, a class "no"/"yes" in training, text in batch scoring, and a valid label', async () => {
    const added = await mloop(home, ['data', 'add', 'churn', 'churn.csv', '--json']);
    expect(added.stderr).toBe('');
    const { version } = JSON.parse(added.stdout) as { version: { schema: unknown[] } };
    expect(version.schema).toContainEqual({ name: 'churned', type: 'VARCHAR' });
    expect(version.schema).toContainEqual({ name: 'member', type: 'VARCHAR' });
    const shown = await mloop(home, ['data', 'show', 'churn/1']);
    expect(shown.stdout).toMatch(/churned\s+VARCHAR\s.*(no|yes) \(\d+\), (no|yes) \(\d+\)/);

    const trained = await mloop(home, [
      'train',
      '--data',
      'churn/1',
      '--label',
      'churned',
      '--model',
      'logistic',
      '--register',
      'churn',
      '--json',
    ]);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);

    const scored = await mloop(home, [
      'predict',
      'churn',
      '--input',
      'churn.csv',
      '--output',
      'scored.csv',
      '--json',
    ]);
    expect(scored.code).toBe(0);
    const [header, ...rows] = readFileSync(join(home, 'scored.csv'), 'utf8').trim().split('\n');
    const columns = header!.split(',');
    const values = (name: string) => new Set(rows.map((r) => r.split(',')[columns.indexOf(name)]));
    expect(values('churned')).toEqual(new Set(['yes', 'no']));
    expect(values('member')).toEqual(new Set(['Y', 'N']));
    expect(values('label')).toEqual(new Set(['yes', 'no']));

    // Predictions logged online, then labelled from a CSV written the way the data was.
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    let ids: string[];
    try {
      const { predictions } = await platform.serving.predictions.predict({
        ref: 'churn/1',
        records: [
          { tenure: 3, plan: 'basic', member: 'Y' },
          { tenure: 50, plan: 'pro', member: 'N' },
        ],
      });
      ids = predictions.map((p) => p.id);
    } finally {
      await platform.close(); // writes the prediction log
    }
    writeFileSync(join(home, 'labels.csv'), `prediction_id,label\n${ids[0]},yes\n${ids[1]},no\n`);
    const labelled = await mloop(home, ['feedback', 'add', 'labels.csv', '--json']);
    expect(labelled.stderr).toBe('');
    expect(JSON.parse(labelled.stdout)).toMatchObject({ rows: 2, created: 2 });
  });
});
