import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isMloopError } from '../../src/core/errors.js';
import { seededRandom } from '../../src/core/random.js';
import type { Platform } from '../../src/platform.js';
import { gatePassedTag } from '../../src/registry/gates/types.js';
import { parseGateSpec } from '../../src/training/gates/gate-spec.js';
import { train } from '../../src/training/trainer.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';
import { tempDir } from '../helpers/tmp.js';

/** Churn-like rows: tenure and support calls decide; gender is a bystander the model never sees. */
function churnCsv(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const lines = ['tenure,calls,region,gender,churned'];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.round(random() * 60);
    const calls = Math.floor(random() * 8);
    const region = ['north', 'south'][Math.floor(random() * 2)] as string;
    const gender = random() < 0.5 ? 'f' : 'm';
    const risk = calls * 0.9 - tenure * 0.12 + (random() - 0.5) * 2;
    lines.push([tenure, calls, region, gender, risk > 0 ? 'yes' : 'no'].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const gateYaml = `
label: churned
metrics: {auc: {min: 0.85}, accuracy: {min: 0.8}}
compare_to: {alias: production, max_regression: 0.01}
slices: {column: region, metrics: {accuracy: {min: 0.75}}}
fairness: {column: gender, metric: positive_rate, max_gap: 0.2}
latency: {p99_ms: 50, sample: 50}
`;

describeEachDialect('evaluation gates', (dialect) => {
  let platform: Platform;
  let holdout: string;

  beforeAll(async () => {
    platform = await openTestPlatform(dialect);
    const dir = tempDir();
    const data = join(dir, 'train.csv');
    holdout = join(dir, 'holdout.csv');
    writeFileSync(data, churnCsv(1500, 1));
    writeFileSync(holdout, churnCsv(600, 2));
    const experimentId = await platform.tracking.experiments.create({ name: 'churn' });
    await platform.registry.models.create({ name: 'churn' });
    // Version 1 sees both deciding features; version 2 only the weaker one.
    for (const features of [['tenure', 'calls', 'region'], ['tenure']]) {
      const result = await train(
        { runs: platform.tracking.runs, artifacts: platform.tracking.artifacts, clock: platform.clock },
        { data, label: 'churned', features, model: 'logistic', run: { experimentId } },
      );
      await platform.registry.versions.create({ name: 'churn', source: result.modelSource });
    }
  });
  afterAll(async () => platform.close());

  it('passes a good version, stores the report and tags the version', async () => {
    const report = await platform.gates.run({
      name: 'churn',
      version: 1,
      holdout,
      gate: gateYaml,
      save: true,
    });
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBe(true);
    const names = report.checks.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'metric:roc_auc',
        'metric:accuracy',
        'compare',
        'slice:region=north:accuracy',
        'slice:region=south:accuracy',
        'fairness:gender:positive_rate',
        'latency:p99_ms',
      ]),
    );
    expect(report.rows).toBe(600);
    const stored = await platform.registry.gates.reports('churn', 1);
    expect(stored[0]?.id).toBe(report.id);
    const version = await platform.registry.versions.get('churn', 1);
    expect(version.tags).toContainEqual({ key: gatePassedTag, value: 'true' });
    await platform.registry.aliases.set('churn', 'production', 1, { reason: 'gate passed' });
  });

  it('fails a version that regresses against production, and blocks its promotion with the reason', async () => {
    const report = await platform.gates.run({ name: 'churn', version: 2, holdout });
    expect(report.passed).toBe(false);
    expect(report.baseline).toEqual({ alias: 'production', version: 1 });
    const compare = report.checks.find((c) => c.name === 'compare:roc_auc');
    expect(compare?.passed).toBe(false);
    expect(compare?.reason).toMatch(/production \(version 1\)/);

    const blocked = await platform.registry.aliases.set('churn', 'production', 2).catch((e: unknown) => e);
    expect(isMloopError(blocked) && blocked.code).toBe('INVALID_STATE');
    expect((blocked as Error).message).toMatch(/failed its evaluation gate \(.*compare:roc_auc/);
    // Unprotected aliases move freely.
    await platform.registry.aliases.set('churn', 'challenger', 2);

    const noReason = await platform.registry.aliases
      .set('churn', 'production', 2, { force: true })
      .catch((e: unknown) => e);
    expect(isMloopError(noReason) && noReason.field).toBe('reason');
    await platform.registry.aliases.set('churn', 'production', 2, { force: true, reason: 'hotfix' });
    const [latest] = await platform.registry.aliases.history('churn', { alias: 'production' });
    expect(latest?.toVersion).toBe(2);
    expect(latest?.reason).toMatch(/^hotfix \[forced past gate: .*failed its evaluation gate/);
  });

  it('blocks a version with no report once the model holds a gate', async () => {
    const result = await platform.registry.versions.create({
      name: 'churn',
      source: (await platform.registry.versions.get('churn', 1)).source,
    });
    const blocked = await platform.registry.aliases
      .set('churn', 'champion', result.version)
      .catch((e: unknown) => e);
    expect((blocked as Error).message).toMatch(/no evaluation gate report/);
  });

  it('fails a fairness bound the groups do not meet', async () => {
    const report = await platform.gates.run({
      name: 'churn',
      version: 1,
      holdout,
      gate: { label: 'churned', fairness: { column: 'region', metric: 'recall', max_gap: 0 } },
    });
    const check = report.checks.find((c) => c.name === 'fairness:region:recall');
    expect(check?.passed).toBe(false);
    expect(check?.observed).toBeGreaterThan(0);
  });
});

it('names the field of a wrong gate', () => {
  const field = (text: string) => {
    try {
      parseGateSpec(text);
    } catch (error) {
      return isMloopError(error) ? error.field : 'not an mloop error';
    }
    return undefined;
  };
  expect(field('metrics: {auc: {min: "high"}}')).toBe('gate.metrics.auc.min');
  expect(field('metrics: {precision: {min: 0.5}}')).toBe('gate.metrics.precision');
  expect(field('fairness: {column: g, metric: odds, max_gap: 0.1}')).toBe('gate.fairness.metric');
  expect(field('latency: {p99: 5}')).toBe('gate.latency.p99');
  expect(field('{}')).toBe('gate');
  expect(parseGateSpec('metrics: {f1: {min: 0.5}}').metrics).toEqual({
    f1_macro: { min: 0.5, max: undefined },
  });
});
