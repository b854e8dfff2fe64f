import type { Logger } from './logging.js';

/** How long a shutdown lets in-flight pipeline steps finish (inside the process's grace). */
export const drainGraceMs = 20_000;

/**
 * How long a shutdown may take before the process exits anyway: 30 s, what a container
 * orchestrator allows by default between SIGTERM and SIGKILL.
 */
export const shutdownGraceMs = 30_000;

/**
 * SIGTERM or SIGINT drains: `drain` stops taking work and finishes what is in flight, then the
 * process exits 0 (1 when `drain` fails or outlasts `graceMs`). A second signal exits at once
 * (143 for SIGTERM, 130 for SIGINT), for an operator who will not wait.
 */
export function drainOnSignals(drain: () => Promise<void>, log: Logger, graceMs = shutdownGraceMs): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      log.warn({ signal }, 'second signal: exiting without waiting for the drain');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    draining = true;
    log.info({ signal, graceMs }, 'shutting down: finishing in-flight requests and steps');
    setTimeout(() => {
      log.error({ graceMs }, 'shutdown grace period over: exiting with work still in flight');
      process.exit(1);
    }, graceMs).unref();
    drain().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
