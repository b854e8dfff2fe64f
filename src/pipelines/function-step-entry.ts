/**
 * The child process of a TypeScript step run off the server's event loop (see
 * function-step-process.ts): loads the pipeline from its source, calls the step's function, and
 * writes how it ended for the parent. Its output is the step's log.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { callStepFunction, stepContext, type StepOutcome } from './function-step.js';
import type { FunctionStepSpec } from './function-step-process.js';
import { loadPipeline } from './load-source.js';

const write = (text: string) => process.stdout.write(text);

async function main(): Promise<void> {
  const specPath = process.argv[2];
  if (!specPath) throw new Error('usage: function-step-entry <spec.json> (started by function-step-process)');
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as FunctionStepSpec;
  const { task } = spec;
  const finish = (outcome: StepOutcome) => {
    writeFileSync(spec.resultPath, JSON.stringify(outcome));
    // Whatever the step left open (sockets, threads) must not keep the attempt going.
    process.exit(0);
  };
  const definition = await loadPipeline(task.source);
  const step = definition.steps.find((s) => s.name === task.step);
  if (!step?.run)
    return finish({
      ok: false,
      error: `pipeline "${task.pipeline}" loaded from its source has no function step "${task.step}"`,
      returned: {},
    });
  // The parent's timeout or cancellation sends SIGTERM: the step's signal is aborted so it may stop
  // cleanly; the parent kills the process for good if it does not end within two seconds.
  const controller = new AbortController();
  process.once('SIGTERM', () => {
    controller.abort(new Error('cancelled'));
    setTimeout(() => process.exit(143), 1000);
  });
  const ctx = stepContext(task, step, spec.inputs, spec.outputPaths, controller.signal, write);
  finish(await callStepFunction(step, ctx, write));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
