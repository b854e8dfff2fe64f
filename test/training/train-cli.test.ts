import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { tempDir } from '../helpers/tmp.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args, { home: join(home, '.mloop') });

describe('mloop train and tune', () => {
  let home: string;

  beforeAll(() => {
    home = tempDir();
    const random = seededRandom(4);
    const lines = ['size,color,bought'];
    for (let i = 0; i < 200; i++) {
      const size = Math.round(random() * 100);
      const color = ['red', 'blue'][Math.floor(random() * 2)]!;
      lines.push(`${size},${color},${size + (color === 'red' ? 20 : 0) + random() * 20 > 60 ? 'yes' : 'no'}`);
    }
    writeFileSync(join(home, 'shop.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(home, 'space.yaml'), 'l2: [0.001, 1]\n');
  });

  it('trains, registers and prints JSON', async () => {
    const result = await mloop(home, [
      'train',
      '--data',
      'shop.csv',
      '--label',
      'bought',
      '--model',
      'logistic',
      '--register',
      'shop',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as {
      runId: string;
      metrics: Record<string, number>;
      registered: { version: number };
    };
    expect(out.metrics.accuracy).toBeGreaterThan(0.7);
    expect(out.registered).toEqual({ name: 'shop', version: 1 });
  }, 90_000);

  it('warns about an id-like column and leaves out the columns --drop names', async () => {
    const rows = readFileSync(join(home, 'shop.csv'), 'utf8').trim().split('\n');
    writeFileSync(
      join(home, 'orders.csv'),
      `${[`order_id,${rows[0]}`, ...rows.slice(1).map((r, i) => `${5000 + i},${r}`)].join('\n')}\n`,
    );
    const train = ['train', '--data', 'orders.csv', '--label', 'bought', '--model', 'logistic'];
    const warned = await mloop(home, train);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(
      /^warning: column 'order_id' has a different value in every row, like an id: .*--drop order_id\)\n$/,
    );
    const json = await mloop(home, [...train, '--json']);
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual([
      expect.stringContaining("column 'order_id'"),
    ]);
    const dropped = await mloop(home, [...train, '--drop', 'order_id', '--json']);
    expect(dropped.stderr).toBe('');
    expect(JSON.parse(dropped.stdout)).toMatchObject({ warnings: [] });
  }, 90_000);

  it('shows training progress with --progress in iterations, ending full with an ETA', async () => {
    const result = await mloop(home, [
      'train',
      '--data',
      'shop.csv',
      '--label',
      'bought',
      '--model',
      'logistic',
      '--progress',
    ]);
    expect(result.code).toBe(0);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatch(/^\[#+\] 100% {2}(\d+)\/\1 iterations .*ETA 0s$/);
  }, 90_000);

  it('tunes over a grid and names the best run', async () => {
    const result = await mloop(home, [
      'tune',
      '--data',
      'shop.csv',
      '--label',
      'bought',
      '--model',
      'logistic',
      '--space',
      'space.yaml',
      '--search',
      'grid',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as {
      trials: unknown[];
      best: { runId: string };
      parentRunId: string;
    };
    expect(out.trials).toHaveLength(2);
    expect(out.best.runId).toMatch(/^[0-9a-f]{32}$/);
  }, 90_000);

  it('exits 3 with a message that says what to fix', async () => {
    const missing = await mloop(home, ['train', '--data', 'none.csv', '--label', 'y', '--model', 'logistic']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no file at "none.csv"');
    const param = await mloop(home, [
      'train',
      '--data',
      'shop.csv',
      '--label',
      'bought',
      '--model',
      'logistic',
      '--param',
      'depth=3',
    ]);
    expect(param.code).toBe(3);
    expect(param.stderr).toContain('logistic has no parameter "depth"');
  }, 90_000);

  it('mloop predict stops naming a feature column the file lacks, unless train declared it --optional', async () => {
    const trainAs = (name: string, extra: string[] = []) =>
      mloop(home, [
        'train',
        '--data',
        'shop.csv',
        '--label',
        'bought',
        '--model',
        'logistic',
        '--register',
        name,
        ...extra,
        '--json',
      ]);
    expect((await trainAs('shop-strict')).code).toBe(0);
    expect((await trainAs('shop-lenient', ['--optional', 'color'])).code).toBe(0);
    writeFileSync(join(home, 'sizes.csv'), 'size\n10\n90\n');
    // An empty cell is an unknown value: imputed as in training, not refused.
    writeFileSync(join(home, 'gaps.csv'), 'size,color\n10,\n,red\n');

    const refused = await mloop(home, [
      'predict',
      'shop-strict',
      '--input',
      'sizes.csv',
      '--output',
      'a.csv',
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/sizes\.csv has no column "color", which the model needs/);
    expect(existsSync(join(home, 'a.csv'))).toBe(false);

    const gaps = await mloop(home, ['predict', 'shop-strict', '--input', 'gaps.csv', '--output', 'b.csv']);
    expect(gaps.code, gaps.stderr).toBe(0);
    const optional = await mloop(home, [
      'predict',
      'shop-lenient',
      '--input',
      'sizes.csv',
      '--output',
      'c.csv',
    ]);
    expect(optional.code, optional.stderr).toBe(0);
    expect(existsSync(join(home, 'c.csv'))).toBe(true);

    const typo = await trainAs('shop-typo', ['--optional', 'colour']);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toMatch(/"colour", which is not a feature; the features are size, color/);
  }, 120_000);

  it('trains from a dataset version only once its required suite passes, and names it in the lineage', async () => {
    expect((await mloop(home, ['data', 'add', 'shop', 'shop.csv'])).code).toBe(0);
    writeFileSync(join(home, 'strict.yaml'), 'checks:\n  - column: size\n    range: {min: 0, max: 50}\n');
    writeFileSync(join(home, 'loose.yaml'), 'checks:\n  - column: size\n    range: {min: 0, max: 100}\n');
    const args = ['train', '--data', 'shop/1', '--label', 'bought', '--model', 'logistic'];

    expect(
      (await mloop(home, ['data', 'validate', 'shop/1', '--suite', 'strict.yaml', '--require'])).code,
    ).toBe(1);
    const blocked = await mloop(home, args);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toMatch(/shop\/1 failed validation suite/);

    expect(
      (await mloop(home, ['data', 'validate', 'shop/1', '--suite', 'loose.yaml', '--require'])).code,
    ).toBe(0);
    const trained = await mloop(home, [...args, '--register', 'shop-from-data', '--json']);
    expect(trained.code).toBe(0);
    const shown = await mloop(home, ['models', 'show', 'shop-from-data/1', '--json']);
    expect(shown.stdout).toContain('"versionId": "shop/1"');
  }, 120_000);
});
