import type { AlertEvaluator } from './alert-evaluator.js';

export interface AlertScheduler {
  /** Evaluates every enabled rule now (what each interval does). */
  tick(): Promise<void>;
  /** Stops the interval and waits for the running tick and webhook deliveries. */
  stop(): Promise<void>;
}

/**
 * Evaluates enabled rules every `intervalMs` (inside `mloop server`). A tick that is still
 * running when the next is due is not doubled: the next one is skipped. Time itself comes from
 * the evaluator's injected clock, so tests drive `tick()` under a manual clock instead.
 */
export function startAlertScheduler(
  evaluator: AlertEvaluator,
  intervalMs: number,
  logger?: { info(details: object, message: string): void; error(details: object, message: string): void },
): AlertScheduler {
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    if (running) return running;
    running = evaluator
      .evaluateAll()
      .then((evaluations) => {
        for (const e of evaluations) {
          if (e.outcome === 'fired' || e.outcome === 'resolved') {
            logger?.info({ rule: e.rule, outcome: e.outcome, value: e.value, alert: e.alert?.id }, e.message);
          }
        }
      })
      .catch((error: unknown) => logger?.error({ err: error }, 'alert evaluation failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await running;
      await evaluator.idle();
    },
  };
}
