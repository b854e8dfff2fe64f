import { describe, expect, it } from 'vitest';
import { durationOfMs, msOfDuration, msOfTimestamp, timestampOfMs } from './trace-wire.js';

describe('trace times on the wire', () => {
  it('reads protobuf JSON timestamps with any fraction and offset', () => {
    expect(msOfTimestamp('2023-11-14T22:13:20Z', 'request_time')).toBe(1700000000000);
    expect(msOfTimestamp('2023-11-14T22:13:20.123456789Z', 'request_time')).toBe(1700000000123);
    expect(msOfTimestamp('2023-11-14T23:13:20.5+01:00', 'request_time')).toBe(1700000000500);
    expect(timestampOfMs(1700000000123)).toBe('2023-11-14T22:13:20.123Z');
  });

  it('reads durations in seconds and writes them back', () => {
    expect(msOfDuration('0.055s', 'execution_duration')).toBe(55);
    expect(msOfDuration('12s', 'execution_duration')).toBe(12000);
    expect(msOfDuration('1.000000001s', 'execution_duration')).toBe(1000);
    expect(durationOfMs(55)).toBe('0.055s');
  });

  it('refuses what is not a timestamp or duration, naming the field', () => {
    expect(() => msOfTimestamp('yesterday', 'request_time')).toThrow(
      expect.objectContaining({ field: 'request_time' }),
    );
    expect(() => msOfTimestamp('1700000000000', 'create_time')).toThrow(
      expect.objectContaining({ field: 'create_time' }),
    );
    expect(() => msOfDuration('55ms', 'execution_duration')).toThrow(
      expect.objectContaining({ field: 'execution_duration' }),
    );
  });
});
