import { invalidParameter } from '../../core/errors.js';

/** A parsed 5-field cron expression (minute hour day-of-month month day-of-week), in UTC. */
export interface CronSchedule {
  readonly expression: string;
  matches(ms: number): boolean;
  /** The first whole minute strictly after `ms` that matches (within about 4 years), or undefined. */
  nextAfter(ms: number): number | undefined;
}

const fields = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

const minuteMs = 60_000;

/** Parses `*`, `a`, `a-b`, `*\/n`, `a-b/n` and comma lists of them; day of week 7 is Sunday, like 0. */
export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw invalidParameter(
      'cron',
      `cron "${expression}" must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const sets = parts.map((part, i) => parseField(part, fields[i]!, expression));
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.has(7)) weekdays.add(0);
  // Classic cron: when both day fields are restricted, a day matching either one runs.
  const dayRestricted = parts[2] !== '*';
  const weekdayRestricted = parts[4] !== '*';
  const matches = (ms: number): boolean => {
    const d = new Date(ms);
    if (!minutes.has(d.getUTCMinutes()) || !hours.has(d.getUTCHours()) || !months.has(d.getUTCMonth() + 1))
      return false;
    const dayOk = days.has(d.getUTCDate());
    const weekdayOk = weekdays.has(d.getUTCDay());
    if (dayRestricted && weekdayRestricted) return dayOk || weekdayOk;
    return dayOk && weekdayOk;
  };
  return {
    expression,
    matches,
    nextAfter(ms) {
      let t = Math.floor(ms / minuteMs) * minuteMs + minuteMs;
      for (let i = 0; i < 4 * 366 * 1440; i++, t += minuteMs) if (matches(t)) return t;
      return undefined;
    },
  };
}

function parseField(part: string, field: (typeof fields)[number], expression: string): Set<number> {
  const values = new Set<number>();
  const fail = (why: string) =>
    invalidParameter('cron', `cron "${expression}": ${field.name} "${part}" ${why}`);
  for (const item of part.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw fail('is not a number, range, step or *');
    const step = match[4] === undefined ? 1 : Number(match[4]);
    if (step < 1) throw fail('has a step below 1');
    let from: number = field.min;
    let to: number = field.max;
    if (match[1] !== '*') {
      from = Number(match[2]);
      to = match[3] === undefined ? (match[4] === undefined ? from : field.max) : Number(match[3]);
    }
    if (from < field.min || to > field.max || from > to) throw fail(`is outside ${field.min}-${field.max}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}
