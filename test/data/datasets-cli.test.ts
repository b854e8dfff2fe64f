import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { trainedRun } from '../registry/model-factories.js';
import { smallCsv, writeText } from './dataset-files.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args);

// Each command is a fresh process that loads the whole CLI: seconds apiece on a busy machine.
describe('mloop data commands', { timeout: 240_000 }, () => {
  let home: string;

  beforeAll(() => {
    home = tempDir('mloop-data-cli-');
    writeText(home, 'people.csv', smallCsv);
    writeText(home, 'people2.csv', smallCsv + '6,70,Rome,7.5\n');
  });

  it('adds, lists, shows, diffs and gets versions', async () => {
    const added = await mloop(home, ['data', 'add', 'people', 'people.csv', '--source', 'cli', '--json']);
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout)).toMatchObject({
      created: true,
      version: { name: 'people', version: 1 },
    });
    const again = await mloop(home, ['data', 'add', 'people', 'people.csv']);
    expect(again.stdout).toMatch(/^Unchanged: these bytes are already people\/1/);
    expect((await mloop(home, ['data', 'add', 'people', 'people2.csv'])).stdout).toMatch(
      /^Added people\/2: 6 rows/,
    );

    expect((await mloop(home, ['data', 'list'])).stdout).toMatch(/people\s+people\/2/);
    const versions = JSON.parse((await mloop(home, ['data', 'list', 'people', '--json'])).stdout);
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const show = await mloop(home, ['data', 'show', 'people/1']);
    expect(show.stdout).toMatch(/age\s+BIGINT\s+0%\s+5\s+20\s+40/);
    expect(show.stdout).toMatch(/city\s+VARCHAR.*Paris \(3\)/);
    const diff = JSON.parse((await mloop(home, ['data', 'diff', 'people/1', 'people/2', '--json'])).stdout);
    expect(diff.rowCount).toEqual({ from: 5, to: 6, delta: 1 });

    const got = await mloop(home, ['data', 'get', 'people/1', '--output', 'copy.csv']);
    expect(got.code).toBe(0);
    expect(readFileSync(join(home, 'copy.csv'), 'utf8')).toBe(smallCsv);
    expect((await mloop(home, ['data', 'get', 'people/2', '--output', 'copy.jsonl'])).code).toBe(0);
    expect(readFileSync(join(home, 'copy.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('exits 3 on bad input and 4 on a missing version, saying what to do', async () => {
    writeText(home, 'ragged.csv', 'a,b\n1,2\n3\n');
    const bad = await mloop(home, ['data', 'add', 'ragged', 'ragged.csv']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /line 3 \(row 2\) has 1 values but the header names 2 columns: no value for column "b"/,
    );
    const missing = await mloop(home, ['data', 'show', 'people/9']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/see `mloop data list`/);
  });

  it('records a run reading a version, and `models show` names it NAME/VERSION', async () => {
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    const { runId } = await trainedRun(platform).finally(() => undefined);
    await platform.close();
    const used = await mloop(home, ['data', 'use', 'people/2', '--run', runId, '--json']);
    expect(used.stderr).toBe('');
    expect(JSON.parse(used.stdout)).toMatchObject({ runId, name: 'people', version: 2 });
    expect((await mloop(home, ['models', 'register', '--run', runId, '--path', 'model', 'churn'])).code).toBe(
      0,
    );
    const shown = await mloop(home, ['models', 'show', 'churn/1']);
    expect(shown.stdout).toMatch(/TRAINED ON\s+DIGEST/);
    expect(shown.stdout).toMatch(/people\/2\s+[0-9a-f]{36}/);
  });
});
