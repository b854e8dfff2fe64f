import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { MloopError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import type { Platform } from '../../src/platform.js';
import type { Scorer } from '../../src/serving/deployments/deployment-predictor.js';
import {
  createDeploymentServices,
  type DeploymentServices,
} from '../../src/serving/deployments/deployment-services.js';
import { seededRandom } from '../../src/serving/deployments/random.js';
import type { PredictRequest, PredictResult, ServedSignature } from '../../src/serving/prediction-service.js';
import { openTestPlatform } from '../helpers/platform.js';
import { FakeModelVersions } from './fake-model-versions.js';

/** Serving stand-in: answers with the version a reference names; fails references it is told to. */
class FakeScorer implements Scorer {
  readonly calls: PredictRequest[] = [];
  readonly failing = new Map<string, MloopError>();

  async predict(request: PredictRequest): Promise<PredictResult> {
    this.calls.push(request);
    const failure = this.failing.get(request.ref);
    if (failure) throw failure;
    const version = request.ref.endsWith('@production') ? 1 : Number(request.ref.split('/')[1]);
    return {
      requestId: `req_${this.calls.length}`,
      model: 'churn',
      version,
      predictions: [{ id: `pred_${this.calls.length}`, label: 'stay' }],
      latencyMs: 3,
      signature: {} as ServedSignature,
    };
  }
}

describe('deployment predictor', () => {
  let platform: Platform;
  let clock: ManualClock;
  let scorer: FakeScorer;
  let services: DeploymentServices;
  let n = 0;
  let name: string;
  const records = [{ tenure: 3 }];
  const predictor = () => {
    if (!services.predictor) throw new Error('no predictor');
    return services.predictor;
  };
  const stats = (arm: 'primary' | 'candidate' | 'shadow') => services.armStats.stats(name, arm, 0);

  beforeAll(async () => {
    clock = new ManualClock();
    platform = await openTestPlatform('sqlite', clock);
  });
  afterAll(() => platform.close());

  beforeEach(async () => {
    scorer = new FakeScorer();
    services = createDeploymentServices({
      database: platform.database,
      clock,
      // Services of one test, with their own bus: the predictor listens for as long as the bus lives.
      events: new EventBus(),
      versions: new FakeModelVersions(3, { production: 1 }),
      scorer,
      predictor: { random: seededRandom(2026) },
    });
    name = `predict-${++n}`;
    await services.deployments.create({ name, model: 'churn' });
  });

  it('answers with the primary alias without a candidate', async () => {
    const result = await predictor().predict(name, { records });
    expect(result).toMatchObject({ deployment: name, arm: 'primary', fellBack: false, version: 1 });
    expect(scorer.calls[0]).toMatchObject({ ref: 'churn@production', deployment: name, arm: 'primary' });
    expect(await stats('primary')).toEqual({ requests: 1, errors: 0, p99LatencyMs: 3 });
  });

  it('keeps routing as last read while the store cannot be read, and refuses a deleted deployment', async () => {
    await predictor().predict(name, { records });
    clock.advance(5_000); // past the cache
    const get = vi
      .spyOn(services.deployments, 'get')
      .mockRejectedValue(new Error('Connection terminated unexpectedly'));
    const result = await predictor().predict(name, { records });
    expect(result).toMatchObject({ deployment: name, arm: 'primary', version: 1 });
    clock.advance(5_000);
    get.mockRejectedValue(new MloopError('RESOURCE_DOES_NOT_EXIST', `No deployment named '${name}'`));
    await expect(predictor().predict(name, { records })).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
    get.mockRestore();
  });

  it('gives a 30% canary the answers the seeded draws say', async () => {
    await services.deployments.setCandidate(name, { version: '2', mode: 'canary', percent: 30 });
    const draws = seededRandom(2026);
    let expected = 0;
    let got = 0;
    for (let i = 0; i < 2000; i++) {
      if (draws() * 100 < 30) expected++;
      const result = await predictor().predict(name, { records });
      if (result.arm === 'candidate') {
        got++;
        expect(result.version).toBe(2);
      }
    }
    expect(got).toBe(expected);
    expect(Math.abs(got / 2000 - 0.3)).toBeLessThan(0.03);
    expect((await stats('candidate')).requests).toBe(got);
    expect((await stats('primary')).requests).toBe(2000 - got);
    expect(scorer.calls.filter((c) => c.arm === 'candidate').every((c) => c.ref === 'churn/2')).toBe(true);
  });

  it('scores shadow copies after the primary answered and never answers with them', async () => {
    await services.deployments.setCandidate(name, { version: '3', mode: 'shadow' });
    for (let i = 0; i < 50; i++) {
      const result = await predictor().predict(name, { records, key: `user-${i}` });
      expect(result).toMatchObject({ arm: 'primary', version: 1 });
    }
    await predictor().drainShadows();
    const shadowCalls = scorer.calls.filter((c) => c.arm === 'shadow');
    expect(shadowCalls).toHaveLength(50);
    expect(shadowCalls[0]).toMatchObject({ ref: 'churn/3', deployment: name, requestKey: 'user-0' });
    expect((await stats('shadow')).requests).toBe(50);
    expect((await stats('candidate')).requests).toBe(0);
  });

  it('counts a failing shadow against the shadow only', async () => {
    await services.deployments.setCandidate(name, { version: '3', mode: 'shadow' });
    scorer.failing.set('churn/3', new MloopError('INTERNAL_ERROR', 'boom'));
    const result = await predictor().predict(name, { records });
    expect(result.arm).toBe('primary');
    await predictor().drainShadows();
    expect(await stats('shadow')).toMatchObject({ requests: 1, errors: 1 });
    expect(await stats('primary')).toMatchObject({ requests: 1, errors: 0 });
  });

  it('keeps an A/B key on one arm', async () => {
    await services.deployments.setCandidate(name, { version: '2', mode: 'ab', percent: 50 });
    const arms = new Set<string>();
    for (let user = 0; user < 40; user++) {
      const first = (await predictor().predict(name, { records, key: `user-${user}` })).arm;
      arms.add(first);
      for (let again = 0; again < 3; again++) {
        expect((await predictor().predict(name, { records, key: `user-${user}` })).arm).toBe(first);
      }
    }
    expect(arms).toEqual(new Set(['primary', 'candidate']));
  });

  it('answers with the primary when the candidate fails, and counts the failure', async () => {
    await services.deployments.setCandidate(name, { version: '2', mode: 'canary', percent: 100 });
    scorer.failing.set('churn/2', new MloopError('INVALID_STATE', 'Model churn version 2 cannot be served'));
    const result = await predictor().predict(name, { records });
    expect(result).toMatchObject({ arm: 'primary', fellBack: true, version: 1 });
    expect(await stats('candidate')).toMatchObject({ requests: 1, errors: 1 });
    expect(await stats('primary')).toMatchObject({ requests: 1, errors: 0 });
  });

  it('counts a malformed request against no arm', async () => {
    await services.deployments.setCandidate(name, { version: '2', mode: 'canary', percent: 100 });
    const malformed = new MloopError('INVALID_PARAMETER_VALUE', 'unknown feature', 'records[0].colour');
    scorer.failing.set('churn/2', malformed);
    scorer.failing.set('churn@production', malformed);
    await expect(predictor().predict(name, { records })).rejects.toMatchObject({
      field: 'records[0].colour',
    });
    expect((await stats('candidate')).requests).toBe(0);
    expect((await stats('primary')).requests).toBe(0);
  });

  it('counts a request the candidate rejects but the primary accepts against the candidate', async () => {
    await services.deployments.setCandidate(name, { version: '2', mode: 'canary', percent: 100 });
    scorer.failing.set('churn/2', new MloopError('INVALID_PARAMETER_VALUE', 'unknown feature "tenure"'));
    expect((await predictor().predict(name, { records })).fellBack).toBe(true);
    expect(await stats('candidate')).toMatchObject({ requests: 1, errors: 1 });
  });

  it('routes by the new split as soon as the deployment changes', async () => {
    expect((await predictor().predict(name, { records })).arm).toBe('primary');
    await services.deployments.setCandidate(name, { version: '2', mode: 'canary', percent: 100 });
    expect((await predictor().predict(name, { records })).arm).toBe('candidate');
    await services.deployments.rollBack(name);
    expect((await predictor().predict(name, { records })).arm).toBe('primary');
  });

  it('says when a deployment does not exist', async () => {
    await expect(predictor().predict('missing', { records })).rejects.toMatchObject({
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });
});
