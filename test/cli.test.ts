import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { openPlatform } from '../src/platform.js';
import { startServer } from './helpers/server-process.js';
import { tempDir } from './helpers/tmp.js';
import { runMloop } from './helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args);

/** Creates two finished runs in a new experiment, directly through the services on `home`'s store. */
async function seedRuns(home: string, experiment: string): Promise<[string, string]> {
  const platform = await openPlatform(loadConfig({ home }, {}, home));
  try {
    const experimentId = await platform.tracking.experiments.create({ name: experiment });
    const ids: string[] = [];
    for (const [name, lr, acc, loss] of [
      ['run-a', '0.1', 0.91, 0.3],
      ['run-b', '0.05', 0.87, 0.25],
    ] as const) {
      const run = await platform.tracking.runs.create({ experimentId, runName: name });
      await platform.tracking.runs.logBatch(run.info.runId, {
        params: [
          { key: 'lr', value: lr },
          { key: 'epochs', value: '20' },
        ],
        metrics: [
          { key: 'val_accuracy', value: acc, timestamp: 1, step: 20 },
          { key: 'train_loss', value: loss + 0.2, timestamp: 1, step: 10 },
          { key: 'train_loss', value: loss, timestamp: 2, step: 20 },
        ],
      });
      await platform.tracking.runs.update(run.info.runId, { status: 'FINISHED' });
      ids.push(run.info.runId);
    }
    return ids as [string, string];
  } finally {
    await platform.close();
  }
}

describe('mloop experiments and runs commands', () => {
  let home: string;
  let runA: string;
  let runB: string;

  beforeAll(async () => {
    home = tempDir('mloop-cli-');
    [runA, runB] = await seedRuns(home, 'seeded');
  });

  it('creates an experiment and lists it as JSON', async () => {
    const created = await mloop(home, ['experiments', 'create', 'churn', '--tag', 'team=growth', '--json']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const experiment = JSON.parse(created.stdout) as { experimentId: string; name: string };
    expect(experiment.name).toBe('churn');

    const listed = await mloop(home, ['experiments', 'list', '--json']);
    expect(listed.code).toBe(0);
    const experiments = JSON.parse(listed.stdout) as {
      experimentId: string;
      name: string;
      tags: unknown[];
    }[];
    expect(experiments.find((e) => e.name === 'churn')).toMatchObject({
      experimentId: experiment.experimentId,
      tags: [{ key: 'team', value: 'growth' }],
    });
    expect(experiments.map((e) => e.name)).toEqual(expect.arrayContaining(['Default', 'seeded']));

    const table = await mloop(home, ['experiments', 'list']);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+STAGE/);
    expect(table.stdout).toContain('team=growth');
  });

  it('renames, tags, deletes and restores an experiment by name', async () => {
    expect((await mloop(home, ['experiments', 'create', 'temp'])).code).toBe(0);
    expect((await mloop(home, ['experiments', 'rename', 'temp', 'temp-2'])).code).toBe(0);
    expect((await mloop(home, ['experiments', 'tag', 'temp-2', 'owner', 'ana'])).code).toBe(0);
    const deleted = await mloop(home, ['experiments', 'delete', 'temp-2', '--json']);
    expect(JSON.parse(deleted.stdout)).toMatchObject({
      name: 'temp-2',
      lifecycleStage: 'deleted',
      tags: [{ key: 'owner', value: 'ana' }],
    });
    const active = JSON.parse((await mloop(home, ['experiments', 'list', '--json'])).stdout) as {
      name: string;
    }[];
    expect(active.map((e) => e.name)).not.toContain('temp-2');
    const restored = await mloop(home, ['experiments', 'restore', 'temp-2']);
    expect(restored.stdout).toContain("Restored experiment 'temp-2'");
  });

  it('compares two runs, marking differing params and the best metric', async () => {
    const json = await mloop(home, ['runs', 'compare', runA, runB, '--json']);
    expect(json.code).toBe(0);
    const comparison = JSON.parse(json.stdout) as {
      params: { key: string; differs: boolean }[];
      metrics: { key: string; goal: string; best: string[]; values: number[] }[];
    };
    expect(comparison.params).toEqual([
      { key: 'epochs', values: ['20', '20'], differs: false },
      { key: 'lr', values: ['0.1', '0.05'], differs: true },
    ]);
    expect(comparison.metrics).toEqual([
      { key: 'train_loss', goal: 'min', values: [0.3, 0.25], best: [runB] },
      { key: 'val_accuracy', goal: 'max', values: [0.91, 0.87], best: [runA] },
    ]);

    const table = await mloop(home, ['runs', 'compare', runA, runB]);
    expect(table.stdout).toMatch(/RUN\s+run-a\s+run-b/);
    expect(table.stdout).toMatch(/≠\s+lr\s+0\.1\s+0\.05/);
    expect(table.stdout).toMatch(/val_accuracy ↑\s+0\.91 \*\s+0\.87/);
    expect(table.stdout).toMatch(/train_loss ↓\s+0\.3\s+0\.25 \*/);
  });

  it('searches runs with a filter and an order', async () => {
    const result = await mloop(home, [
      'runs',
      'search',
      '--experiment',
      'seeded',
      '--filter',
      'metrics.val_accuracy > 0.8',
      '--order-by',
      'metrics.val_accuracy ASC',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const runs = JSON.parse(result.stdout) as { info: { runName: string } }[];
    expect(runs.map((r) => r.info.runName)).toEqual(['run-b', 'run-a']);
    const table = await mloop(home, ['runs', 'list', '--experiment', 'seeded']);
    expect(table.stdout).toMatch(/RUN ID\s+NAME\s+EXPERIMENT\s+STATUS/);
    expect(table.stdout).toContain('FINISHED');
  });

  it('shows a run and its metric history', async () => {
    const show = await mloop(home, ['runs', 'show', runA]);
    expect(show.stdout).toContain(runA);
    expect(show.stdout).toMatch(/lr\s+0\.1/);
    const history = await mloop(home, ['runs', 'history', runA, 'train_loss', '--json']);
    expect(
      (JSON.parse(history.stdout) as { step: number; value: number }[]).map((m) => [m.step, m.value]),
    ).toEqual([
      [10, 0.5],
      [20, 0.3],
    ]);
  });

  it('exits 4 with a hint when a run or experiment does not exist', async () => {
    const run = await mloop(home, ['runs', 'show', 'ffffffffffffffffffffffffffffffff']);
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('ffffffffffffffffffffffffffffffff');
    expect(run.stderr).toContain('mloop runs list');
    const experiment = await mloop(home, ['experiments', 'show', 'no-such-experiment']);
    expect(experiment.code).toBe(4);
    expect(experiment.stderr).toContain('mloop experiments list');
  });

  it('exits 3 on invalid input and 5 on a name conflict', async () => {
    expect((await mloop(home, ['runs', 'list', '--max-results', '0'])).code).toBe(3);
    const badFilter = await mloop(home, ['runs', 'search', '--filter', 'metrics.acc >>> 1']);
    expect(badFilter.code).toBe(3);
    expect(badFilter.stderr).toContain('filter');
    const conflict = await mloop(home, ['experiments', 'create', 'seeded']);
    expect(conflict.code).toBe(5);
    expect(conflict.stderr).toContain('already exists');
  });

  it('answers the same through a server with --url', async () => {
    const server = await startServer({ home });
    try {
      const listed = await mloop(tempDir('mloop-cli-remote-'), [
        'runs',
        'list',
        '--experiment',
        'seeded',
        '--json',
        '--url',
        server.url,
      ]);
      expect(listed.code).toBe(0);
      expect(
        (JSON.parse(listed.stdout) as { info: { runId: string } }[]).map((r) => r.info.runId).sort(),
      ).toEqual([runA, runB].sort());
      const missing = await mloop(home, [
        'runs',
        'show',
        'ffffffffffffffffffffffffffffffff',
        '--url',
        server.url,
      ]);
      expect(missing.code).toBe(4);
    } finally {
      await server.stop();
    }
  });

  it('exits 6 naming the URL when the server is unreachable', async () => {
    const result = await mloop(home, ['experiments', 'list', '--url', 'http://127.0.0.1:1']);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('http://127.0.0.1:1');
  });

  it('prints help with an example for every command', async () => {
    const commands = [
      ['experiments'],
      ...['list', 'show', 'create', 'rename', 'delete', 'restore', 'tag'].map((c) => ['experiments', c]),
      ['runs'],
      ...['list', 'show', 'search', 'compare', 'delete', 'restore', 'history'].map((c) => ['runs', c]),
    ];
    const results = await Promise.all(commands.map((c) => mloop(home, [...c, '--help'])));
    results.forEach((result, i) => {
      const command = commands[i] ?? [];
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout, command.join(' ')).toContain(`Usage: mloop ${command.join(' ')}`);
      if (command.length === 2)
        expect(result.stdout, command.join(' ')).toContain(`$ mloop ${command.join(' ')}`);
    });
  });
});
