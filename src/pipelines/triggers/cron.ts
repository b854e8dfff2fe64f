import { Cron } from 'croner';
import { invalidParameter } from '../../core/errors.js';
import type { CronTrigger } from '../types.js';

/** A parsed cron schedule: 5 fields (minute hour day-of-month month day-of-week), in a time zone. */
export interface CronSchedule {
  readonly expression: string;
  /** IANA time zone the fields are read in; UTC when the trigger names none. */
  readonly timezone: string;
  matches(ms: number): boolean;
  /** The first matching minute strictly after `ms`, or undefined when there is none. */
  nextAfter(ms: number): number | undefined;
}

const forms =
  '5 fields (minute hour day-of-month month day-of-week), with names (MON, JAN) and macros (@hourly, @daily, @weekly, @monthly, @yearly) allowed';

/**
 * Parses a schedule with croner: names, ranges, steps, lists and macros; when both day fields are
 * restricted a day matching either one runs, as classic cron does. The next run is computed by
 * the library field by field, not by trying each minute.
 */
export function parseCron(expression: string, timezone = 'UTC'): CronSchedule {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw invalidParameter(
      'cron',
      `cron "${expression}": unknown time zone "${timezone}"; use an IANA name such as Europe/Berlin or UTC`,
    );
  }
  let cron: Cron;
  try {
    // paused: the scheduler's tick decides when to start runs; croner only does the calendar.
    cron = new Cron(expression.trim(), { paused: true, mode: '5-part', timezone });
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, '');
    throw invalidParameter('cron', `cron "${expression}" is not a schedule of ${forms}: ${reason}`);
  }
  return {
    expression,
    timezone,
    matches: (ms) => cron.match(new Date(ms)),
    nextAfter(ms) {
      return cron.nextRun(new Date(ms))?.getTime();
    },
  };
}

/** A trigger as written (a string is a schedule in UTC) as a parsed schedule. */
export function cronOf(trigger: CronTrigger): CronSchedule {
  return typeof trigger === 'string' ? parseCron(trigger) : parseCron(trigger.schedule, trigger.timezone);
}
