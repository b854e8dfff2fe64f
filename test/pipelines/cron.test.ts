import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/pipelines/triggers/cron.js';
import { parsePipelineYaml } from '../../src/pipelines/yaml-definition.js';

const at = (iso: string) => Date.parse(iso);
const next = (expression: string, after: string, timezone?: string) =>
  new Date(parseCron(expression, timezone).nextAfter(at(after))!).toISOString();

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
    expect(next('30 2 * * *', '2026-01-31T03:00:00Z')).toBe('2026-02-01T02:30:00.000Z');
    expect(next('0 0 * * 7', '2026-03-02T00:00:00Z')).toBe('2026-03-08T00:00:00.000Z');
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(parseCron('* * * * *').nextAfter(at('2026-01-01T00:00:30Z'))).toBe(at('2026-01-01T00:01:00Z'));
    expect(next('0 3 * * *', '2026-03-02T03:00:00Z')).toBe('2026-03-03T03:00:00.000Z'); // strictly after
  });

  it('reads day and month names and the @hourly, @daily, @weekly macros', () => {
    expect(next('0 3 * * MON', '2026-03-03T00:00:00Z')).toBe('2026-03-09T03:00:00.000Z');
    expect(next('0 3 * * mon-fri', '2026-03-07T00:00:00Z')).toBe('2026-03-09T03:00:00.000Z');
    expect(next('0 0 1 JUN *', '2026-03-02T00:00:00Z')).toBe('2026-06-01T00:00:00.000Z');
    expect(next('@daily', '2026-03-02T10:00:00Z')).toBe('2026-03-03T00:00:00.000Z');
    expect(next('@hourly', '2026-03-02T10:20:00Z')).toBe('2026-03-02T11:00:00.000Z');
    expect(next('@weekly', '2026-03-02T10:00:00Z')).toBe('2026-03-08T00:00:00.000Z');
  });

  it('reads the fields in a time zone, daylight saving time included', () => {
    // 03:00 in Berlin is 02:00 UTC in winter (CET) and 01:00 UTC in summer (CEST).
    expect(next('0 3 * * MON', '2026-03-03T00:00:00Z', 'Europe/Berlin')).toBe('2026-03-09T02:00:00.000Z');
    expect(next('0 3 * * MON', '2026-03-31T00:00:00Z', 'Europe/Berlin')).toBe('2026-04-06T01:00:00.000Z');
    expect(next('@daily', '2026-03-02T10:00:00Z', 'America/New_York')).toBe('2026-03-03T05:00:00.000Z');
  });

  it('finds a rare next run at once instead of stepping minute by minute', () => {
    const started = performance.now();
    for (let i = 0; i < 200; i++) parseCron('0 0 29 2 *').nextAfter(at('2026-03-01T00:00:00Z'));
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps classic cron: either day field matches when both are restricted', () => {
    const cron = parseCron('0 0 1 * 1');
    expect(cron.matches(at('2026-03-01T00:00:00Z'))).toBe(true); // the 1st, a Sunday
    expect(cron.matches(at('2026-03-02T00:00:00Z'))).toBe(true); // a Monday
    expect(cron.matches(at('2026-03-03T00:00:00Z'))).toBe(false);
  });

  it('rejects malformed expressions and unknown time zones, naming them', () => {
    expect(() => parseCron('* * * *')).toThrow(/cron "\* \* \* \*" is not a schedule of 5 fields/);
    expect(() => parseCron('* * * * * *')).toThrow(/5 fields/);
    expect(() => parseCron('60 * * * *')).toThrow(/minute: 60/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/stepping/);
    expect(() => parseCron('0 3 * * FOO')).toThrow(/FOO/);
    expect(() => parseCron('@nope')).toThrow(/@nope/);
    expect(() => parseCron('0 3 * * *', 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

describe('cron triggers in YAML', () => {
  const withTriggers = (triggers: string) =>
    parsePipelineYaml(`name: p\ntriggers:\n${triggers}\nsteps:\n  a: {command: echo a}\n`).triggers;

  it('takes a schedule string (UTC), a list, or a mapping with a time zone', () => {
    expect(withTriggers('  cron: "0 3 * * MON"').cron).toEqual(['0 3 * * MON']);
    expect(withTriggers('  cron: ["@daily", "@hourly"]').cron).toEqual(['@daily', '@hourly']);
    expect(withTriggers('  cron: {schedule: "0 3 * * MON", timezone: Europe/Berlin}').cron).toEqual([
      { schedule: '0 3 * * MON', timezone: 'Europe/Berlin' },
    ]);
    expect(
      withTriggers('  cron:\n    - "@daily"\n    - {schedule: "0 3 * * *", timezone: Asia/Tokyo}').cron,
    ).toEqual(['@daily', { schedule: '0 3 * * *', timezone: 'Asia/Tokyo' }]);
  });

  it('refuses an unknown time zone or field, naming where', () => {
    expect(() => withTriggers('  cron: {schedule: "@daily", timezone: Berlin/Nowhere}')).toThrow(
      /unknown time zone "Berlin\/Nowhere"/,
    );
    expect(() => withTriggers('  cron: {schedule: "@daily", tz: UTC}')).toThrow(
      /unknown field "tz" of triggers.cron/,
    );
  });
});
