import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import type { Deployment, DeploymentEvent } from '../../src/serving/deployments/types.js';
import { modelWithVersions } from '../registry/model-factories.js';
import { startServer } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args);

/** A registered model with three versions and `production` on version 1, in `home`'s store. */
async function seedModel(home: string): Promise<string> {
  const platform = await openPlatform(loadConfig({ home }, {}, home));
  try {
    const model = await modelWithVersions(platform, 3);
    await platform.registry.aliases.set(model, 'production', 1);
    return model;
  } finally {
    await platform.close();
  }
}

describe('mloop deployments', () => {
  let home: string;
  let model: string;

  beforeAll(async () => {
    home = tempDir('mloop-deployments-cli-');
    model = await seedModel(home);
  });

  it('creates a deployment and refuses a second with the same name (exit 5)', async () => {
    const created = await mloop(home, ['deployments', 'create', 'api', '--model', model, '--json']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'api', model, primary: 'production' });
    const again = await mloop(home, ['deployments', 'create', 'api', '--model', model]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain("Deployment 'api' already exists");
  });

  it('sets canary, shadow and A/B candidates', async () => {
    await mloop(home, ['deployments', 'create', 'modes', '--model', model]);
    const canary = await mloop(home, ['deployments', 'canary', 'modes', '2', '--percent', '30%', '--json']);
    expect(canary.code).toBe(0);
    expect((JSON.parse(canary.stdout) as Deployment).candidate).toEqual({
      version: '2',
      mode: 'canary',
      percent: 30,
    });

    const shadow = await mloop(home, ['deployments', 'shadow', 'modes', '3']);
    expect(shadow).toMatchObject({ code: 0 });
    expect(shadow.stdout).toContain('scores a copy of 100% of requests (never answers)');

    const ab = await mloop(home, ['deployments', 'ab', 'modes', '2', '--json']);
    expect((JSON.parse(ab.stdout) as Deployment).candidate).toEqual({
      version: '2',
      mode: 'ab',
      percent: 50,
    });

    const list = await mloop(home, ['deployments', 'list']);
    expect(list.stdout).toMatch(/NAME\s+MODEL\s+PRIMARY\s+CANDIDATE\s+MODE\s+SHARE/);
    expect(list.stdout).toMatch(/modes\s+\S+\s+production\s+2\s+ab\s+50%/);
  });

  it('exits 3 on invalid input, naming what is wrong', async () => {
    await mloop(home, ['deployments', 'create', 'strict', '--model', model]);
    const percent = await mloop(home, ['deployments', 'canary', 'strict', '2', '--percent', '130']);
    expect(percent.code).toBe(3);
    expect(percent.stderr).toContain('--percent must be a number from 0 to 100');
    const version = await mloop(home, ['deployments', 'canary', 'strict', '9']);
    expect(version.code).toBe(3);
    expect(version.stderr).toContain('candidate.version');
    const steps = await mloop(home, ['deployments', 'rollout', 'strict', '--steps', '50,20,100']);
    expect(steps.code).toBe(3);
    expect(steps.stderr).toContain('plan.steps must increase');
  });

  it('exits 4 for an unknown deployment and 2 for a missing argument', async () => {
    const missing = await mloop(home, ['deployments', 'show', 'nope']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('see `mloop deployments list`');
    expect((await mloop(home, ['deployments', 'create', 'x'])).code).toBe(2);
  });

  it('starts a rollout, rolls it back and shows the history', async () => {
    await mloop(home, ['deployments', 'create', 'roll', '--model', model]);
    await mloop(home, ['deployments', 'canary', 'roll', '2']);
    const started = await mloop(home, [
      'deployments',
      'rollout',
      'roll',
      '--steps',
      '10,50,100',
      '--min-requests',
      '200',
      '--min-duration',
      '2m',
      '--max-error-rate',
      '2%',
      '--max-p99-ms',
      '150',
      '--json',
    ]);
    expect(started.code).toBe(0);
    expect((JSON.parse(started.stdout) as Deployment).rollout).toMatchObject({
      status: 'running',
      plan: {
        steps: [10, 50, 100],
        minRequests: 200,
        minDurationMs: 120_000,
        bounds: { maxErrorRate: 0.02, maxP99LatencyMs: 150 },
      },
    });
    const text = await mloop(home, ['deployments', 'show', 'roll']);
    expect(text.stdout).toMatch(/rollout:\s+running, step 1\/3/);
    expect(text.stdout).toContain('[10%] 50% 100%');

    const rolledBack = await mloop(home, [
      'deployments',
      'rollback',
      'roll',
      '--reason',
      'latency complaints',
    ]);
    expect(rolledBack).toMatchObject({ code: 0 });
    expect(rolledBack.stdout).toContain('Rolled back roll');

    const history = await mloop(home, ['deployments', 'history', 'roll', '--json']);
    const events = JSON.parse(history.stdout) as DeploymentEvent[];
    expect(events.map((e) => e.kind)).toEqual(['created', 'candidate-set', 'rollout-started', 'rolled-back']);
    expect(events[3]).toMatchObject({ reason: 'latency complaints', fromPercent: 10, toPercent: 0 });
    const table = await mloop(home, ['deployments', 'history', 'roll']);
    expect(table.stdout).toMatch(/rolled-back\s+10% -> 0%\s+2\s+-\s+latency complaints/);

    const abort = await mloop(home, ['deployments', 'rollout', 'roll', '--abort']);
    expect(abort.code).toBe(5);
    expect(abort.stderr).toContain('has no running rollout');
  });

  it('prints help with examples', async () => {
    const help = await mloop(home, ['deployments', 'rollout', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--max-error-rate <rate>');
    expect(help.stdout).toContain('Examples:');
  });

  it('works against a server with --url and shows its live statistics', async () => {
    const server = await startServer({ home });
    try {
      const shown = await mloop(home, ['deployments', 'show', 'modes', '--url', server.url, '--json']);
      expect(shown.code).toBe(0);
      const body = JSON.parse(shown.stdout) as {
        deployment: Deployment;
        stats: { primary: { requests: number } };
      };
      expect(body.deployment.name).toBe('modes');
      expect(body.stats.primary.requests).toBe(0);
      const deleted = await mloop(home, ['deployments', 'delete', 'modes', '--url', server.url]);
      expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted deployment modes.\n' });
      const gone = await mloop(home, ['deployments', 'show', 'modes', '--url', server.url]);
      expect(gone.code).toBe(4);
    } finally {
      await server.stop();
    }
  });
});
