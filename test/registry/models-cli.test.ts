import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import type { ModelVersion, Promotion } from '../../src/registry/types.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { trainedRun } from './model-factories.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args);

/** A run that logged a model under `model/`, written straight into `home`'s store. */
async function seedRun(home: string): Promise<string> {
  const platform = await openPlatform(loadConfig({ home }, {}, home));
  try {
    return (await trainedRun(platform)).runId;
  } finally {
    await platform.close();
  }
}

describe('mloop models commands', () => {
  let home: string;
  let runId: string;

  beforeAll(async () => {
    home = tempDir('mloop-models-cli-');
    runId = await seedRun(home);
  });

  it('registers, aliases with a reason, shows lineage and lists the history', async () => {
    const registered = await mloop(home, [
      'models',
      'register',
      '--run',
      runId,
      '--path',
      'model',
      'churn',
      '--json',
    ]);
    expect(registered.stderr).toBe('');
    expect(JSON.parse(registered.stdout)).toMatchObject({ name: 'churn', version: 1, status: 'READY' });
    expect(
      (await mloop(home, ['models', 'register', '--source', `runs:/${runId}/model`, 'churn'])).stdout,
    ).toContain('Registered churn version 2');

    const moved = await mloop(home, ['models', 'alias', 'churn', 'champion', '1', '--reason', 'first model']);
    expect(moved.stdout).toContain('churn@champion: new → version 1 (first model)');
    await mloop(home, ['models', 'alias', 'churn', 'champion', '2', '--reason', 'better AUC']);

    const shown = await mloop(home, ['models', 'show', 'churn@champion', '--json']);
    const version = JSON.parse(shown.stdout) as ModelVersion;
    expect(version).toMatchObject({
      version: 2,
      lineage: {
        runId,
        datasets: [{ name: 'churn-train', digest: 'd1g35t' }],
        git: { commit: 'a1b2c3d4e5f6' },
      },
    });
    const text = (await mloop(home, ['models', 'show', 'churn/2'])).stdout;
    expect(text).toMatch(/git commit:\s+a1b2c3d4e5f6/);
    expect(text).toMatch(/runtime:\s+onnx: an mloop ONNX package, run by onnxruntime in the serving process/);
    expect(text).toMatch(/churn-train\s+d1g35t/);
    expect(text).toMatch(/b \(pii\)\s+float32/);
    expect((await mloop(home, ['models', 'show', 'churn'])).stdout).toMatch(/VERSION\s+STATUS/);
    expect((await mloop(home, ['models', 'list'])).stdout).toMatch(/churn\s+2\s+champion→2/);

    const history = JSON.parse(
      (await mloop(home, ['models', 'history', 'churn', '--json'])).stdout,
    ) as Promotion[];
    expect(history.map((p) => [p.fromVersion ?? null, p.toVersion, p.reason])).toEqual([
      [1, 2, 'better AUC'],
      [null, 1, 'first model'],
    ]);
    expect((await mloop(home, ['models', 'history', 'churn'])).stdout).toMatch(
      /champion\s+1\s+2\s+anonymous\s+better AUC/,
    );

    expect((await mloop(home, ['models', 'delete', 'churn/2', '--reason', 'leak'])).code).toBe(0);
    expect((await mloop(home, ['models', 'delete', 'churn'])).code).toBe(0);
    const after = JSON.parse(
      (await mloop(home, ['models', 'history', 'churn', '--json'])).stdout,
    ) as Promotion[];
    expect(after[0]).toMatchObject({ fromVersion: 2, reason: 'leak' });
  });

  it('exits 4 when a model is missing and 3 on invalid input', async () => {
    const missing = await mloop(home, ['models', 'show', 'nope@champion']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe(
      'error: Registered Model with name=nope not found; see `mloop models list`\n',
    );
    await mloop(home, ['models', 'register', '--source', `runs:/${runId}/model`, 'support']);
    await mloop(home, ['models', 'alias', 'support', 'champion', '1']);
    const noAlias = await mloop(home, ['models', 'show', 'support@prod']);
    expect(noAlias.code).toBe(4);
    expect(noAlias.stderr).toBe(
      "error: Alias 'prod' not found on model 'support'; its aliases are: champion\n",
    );
    expect((await mloop(home, ['models', 'register', 'x'])).code).toBe(3);
    expect((await mloop(home, ['models', 'alias', 'x', 'champion', 'one'])).code).toBe(3);
    expect((await mloop(home, ['models', 'show', 'x/'])).code).toBe(3);
  });

  it('prints help with examples for every models command', async () => {
    const help = await mloop(home, ['models', '--help']);
    for (const command of ['list', 'show', 'register', 'alias', 'history', 'delete']) {
      expect(help.stdout).toContain(command);
      const sub = await mloop(home, ['models', command, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain('Examples:');
      expect(sub.stdout).toContain('--json');
    }
  });

  describe('against a server with --url', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServer();
    });
    afterAll(async () => server?.stop());

    it('answers the same', async () => {
      const serverRun = await seedRun(server.home);
      const url = ['--url', server.url];
      const registered = await mloop(home, [
        'models',
        'register',
        '--run',
        serverRun,
        '--path',
        'model',
        'remote',
        '--json',
        ...url,
      ]);
      expect(JSON.parse(registered.stdout)).toMatchObject({ name: 'remote', version: 1 });
      await mloop(home, ['models', 'alias', 'remote', 'production', '1', '--reason', 'go', ...url]);
      const shown = JSON.parse(
        (await mloop(home, ['models', 'show', 'remote@production', '--json', ...url])).stdout,
      );
      expect(shown).toMatchObject({ version: 1, lineage: { runId: serverRun } });
      const history = JSON.parse(
        (await mloop(home, ['models', 'history', 'remote', '--json', ...url])).stdout,
      );
      expect(history).toMatchObject([{ alias: 'production', toVersion: 1, reason: 'go' }]);
      const noAlias = await mloop(home, ['models', 'show', 'remote@prod', ...url]);
      expect(noAlias.code).toBe(4);
      expect(noAlias.stderr).toBe(
        "error: Alias 'prod' not found on model 'remote'; its aliases are: production\n",
      );
    });
  });
});
