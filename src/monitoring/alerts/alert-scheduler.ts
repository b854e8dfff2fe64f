import type { BackgroundDuties } from '../../core/background.js';
import type { AlertEvaluator } from './alert-evaluator.js';

export interface AlertScheduler {
  /** Evaluates every enabled rule now (what each interval does). */
  tick(): Promise<void>;
  /** Stops the interval and waits for the running tick and webhook deliveries. */
  stop(): Promise<void>;
}

/**
 * Evaluates enabled rules every `intervalMs` (inside `mloop server`), as the background duty
 * `alert-evaluation`: a failed evaluation is logged, counted and retried. A tick that is still
 * running when the next is due is not doubled. Time itself comes from the evaluator's injected
 * clock, so tests drive `tick()` under a manual clock instead.
 */
export function startAlertScheduler(
  evaluator: AlertEvaluator,
  intervalMs: number,
  duties: BackgroundDuties,
  logger?: { info(details: object, message: string): void },
): AlertScheduler {
  const duty = duties.every(
    'alert-evaluation',
    intervalMs,
    async () => {
      for (const e of await evaluator.evaluateAll()) {
        if (e.outcome === 'fired' || e.outcome === 'resolved') {
          logger?.info({ rule: e.rule, outcome: e.outcome, value: e.value, alert: e.alert?.id }, e.message);
        }
      }
    },
    { once: true },
  );
  return {
    tick: duty.tick,
    async stop() {
      await duty.stop();
      await evaluator.idle();
    },
  };
}
