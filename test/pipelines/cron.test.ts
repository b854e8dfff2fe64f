import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/pipelines/triggers/cron.js';

const at = (iso: string) => Date.parse(iso);

describe('cron schedules', () => {
  it('matches minutes, hours, lists, ranges and steps', () => {
    const cron = parseCron('*/15 9-17 * * 1-5');
    expect(cron.matches(at('2026-03-02T09:45:00Z'))).toBe(true); // a Monday
    expect(cron.matches(at('2026-03-02T09:50:00Z'))).toBe(false);
    expect(cron.matches(at('2026-03-02T18:00:00Z'))).toBe(false);
    expect(cron.matches(at('2026-03-01T10:00:00Z'))).toBe(false); // a Sunday
    expect(parseCron('0 0,12 * * *').matches(at('2026-03-01T12:00:00Z'))).toBe(true);
    expect(parseCron('5-20/5 * * * *').matches(at('2026-03-01T12:15:00Z'))).toBe(true);
    expect(parseCron('5-20/5 * * * *').matches(at('2026-03-01T12:25:00Z'))).toBe(false);
  });

  it('finds the next matching minute, across months and with 7 as Sunday', () => {
    expect(new Date(parseCron('30 2 * * *').nextAfter(at('2026-01-31T03:00:00Z'))!).toISOString()).toBe(
      '2026-02-01T02:30:00.000Z',
    );
    expect(new Date(parseCron('0 0 * * 7').nextAfter(at('2026-03-02T00:00:00Z'))!).toISOString()).toBe(
      '2026-03-08T00:00:00.000Z',
    );
    expect(new Date(parseCron('0 0 29 2 *').nextAfter(at('2026-03-01T00:00:00Z'))!).toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
    expect(parseCron('* * * * *').nextAfter(at('2026-01-01T00:00:30Z'))).toBe(at('2026-01-01T00:01:00Z'));
  });

  it('runs on either day when both day fields are restricted, as classic cron does', () => {
    const cron = parseCron('0 0 1 * 1');
    expect(cron.matches(at('2026-03-01T00:00:00Z'))).toBe(true); // the 1st, a Sunday
    expect(cron.matches(at('2026-03-02T00:00:00Z'))).toBe(true); // a Monday
    expect(cron.matches(at('2026-03-03T00:00:00Z'))).toBe(false);
  });

  it('rejects malformed expressions naming the field', () => {
    expect(() => parseCron('* * * *')).toThrow(/must have 5 fields/);
    expect(() => parseCron('60 * * * *')).toThrow(/minute "60" is outside 0-59/);
    expect(() => parseCron('* * * 0 *')).toThrow(/month "0" is outside 1-12/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/step below 1/);
    expect(() => parseCron('a * * * *')).toThrow(/minute "a" is not a number/);
  });
});
