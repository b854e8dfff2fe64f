import { afterEach, beforeEach, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { Platform } from '../../src/platform.js';
import type { LoggedPrediction } from '../../src/serving/prediction-log.js';
import { describeEachDialect, openTestPlatform } from '../helpers/platform.js';

function logged(inputs: Record<string, unknown>): LoggedPrediction {
  return {
    id: newId('pred'),
    requestId: newId('req'),
    time: Date.UTC(2026, 2, 1),
    model: 'churn',
    version: 1,
    deployment: undefined,
    arm: 'default',
    inputs,
    outputs: { label: '1' },
    latencyMs: 1,
    requestKey: undefined,
  };
}

describeEachDialect('forgetting a subject by an input value', (dialect) => {
  let platform: Platform;
  beforeEach(async () => {
    platform = await openTestPlatform(dialect);
  });
  afterEach(async () => platform.close());

  async function forgetAndKeep(
    column: string,
    value: string,
    gone: LoggedPrediction[],
    kept: LoggedPrediction[],
  ): Promise<void> {
    platform.serving.log.append([...gone, ...kept]);
    const result = await platform.governance.privacy.forget({ column, value });
    expect(result.predictionsDeleted).toBe(gone.length);
    const left = (await platform.serving.log.list({ model: 'churn' })).items.map((p) => p.id);
    expect(left.sort()).toEqual(kept.map((p) => p.id).sort());
  }

  it('takes LIKE wildcards and quotes in the value literally', async () => {
    await forgetAndKeep(
      'email',
      'a_b%c@"x".com',
      [logged({ email: 'a_b%c@"x".com', age: 3 })],
      [logged({ email: 'aXbYYc@"x".com', age: 3 }), logged({ other: 'a_b%c@"x".com' })],
    );
  });

  it('matches a number sent as a number or as text, and not a longer number that starts alike', async () => {
    await forgetAndKeep(
      'customer_id',
      '42',
      [logged({ customer_id: 42 }), logged({ age: 1, customer_id: '42' })],
      [logged({ customer_id: 420 }), logged({ customer_id: null }), logged({ age: 42 })],
    );
  });
});
