import { describe, expect, it } from 'vitest';
import type { StepRun } from '../../pipelines/types.js';
import { stepLine } from './pipelines-render.js';

const step = (changes: Partial<StepRun>): StepRun => ({
  id: 'step_1',
  pipelineRunId: 'prun_1',
  step: 'train',
  status: 'SUCCEEDED',
  attempt: 1,
  cacheKey: undefined,
  cacheHit: false,
  outputs: {},
  error: undefined,
  logPath: undefined,
  trackingRunId: undefined,
  startTime: undefined,
  endTime: undefined,
  ...changes,
});

describe('pipeline step lines', () => {
  it('shows no duration for a step skipped before it started, not one counted from 1970', () => {
    const skipped = step({
      status: 'SKIPPED',
      error: 'an upstream step did not succeed',
      endTime: Date.parse('2026-12-03T12:00:00Z'),
    });
    expect(stepLine(skipped)).toBe('SKIPPED    train  -  cache -  an upstream step did not succeed');
    expect(stepLine(skipped)).not.toMatch(/\d+h/);
  });

  it('shows how long a step that ran took', () => {
    expect(stepLine(step({ startTime: 1_000, endTime: 3_500 }))).toBe('SUCCEEDED  train  2.5s  cache -');
  });
});
