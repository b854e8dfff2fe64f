import type { StepTask } from './step-task.js';
import type { Params, Step, StepContext } from './types.js';

/** How one attempt of a step's function or command ended, before its outputs are stored. */
export interface StepOutcome {
  ok: boolean;
  error?: string;
  timedOut?: boolean;
  cancelled?: boolean;
  returned: Record<string, unknown>;
}

/** Runs a TypeScript step's function: here (`runFunctionInProcess`) or in a child process. */
export type FunctionStepRunner = (
  task: StepTask,
  step: Step,
  inputs: Record<string, unknown>,
  outputPaths: Record<string, string>,
  signal: AbortSignal,
  write: (text: string) => void,
) => Promise<StepOutcome>;

/** The context a step's function is called with, wherever it runs. */
export function stepContext(
  task: StepTask,
  step: Step,
  inputs: Record<string, unknown>,
  outputPaths: Record<string, string>,
  signal: AbortSignal,
  write: (text: string) => void,
): StepContext {
  return {
    step: task.step,
    pipelineRunId: task.pipelineRunId,
    params: paramsSeenBy(step, task.params),
    inputs,
    outputPath: (name) => {
      const path = outputPaths[name];
      if (!path) throw new Error(`step "${task.step}" declares no output "${name}"`);
      return path;
    },
    log: (text) => write(text.endsWith('\n') ? text : `${text}\n`),
    signal,
    attempt: task.attempt,
  };
}

/** Calls the step's function; a throw is a failed outcome, its stack written to the log. */
export async function callStepFunction(
  step: Step,
  ctx: StepContext,
  write: (text: string) => void,
): Promise<StepOutcome> {
  try {
    const returned = (await step.run!(ctx)) ?? {};
    return { ok: true, returned };
  } catch (error) {
    write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return { ok: false, error: error instanceof Error ? error.message : String(error), returned: {} };
  }
}

/**
 * Runs the function in this process (the CLI's `inprocess` executor). A function cannot be killed
 * here: on timeout or cancellation its signal is aborted and the attempt ends at once; the function
 * should watch ctx.signal to stop its own work. The server runs functions in a child process instead.
 */
export const runFunctionInProcess: FunctionStepRunner = async (
  task,
  step,
  inputs,
  outputPaths,
  outer,
  write,
) => {
  const controller = new AbortController();
  const onAbort = () => controller.abort(new Error('cancelled'));
  outer.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const ctx = stepContext(task, step, inputs, outputPaths, controller.signal, write);
  const stopped = new Promise<StepOutcome>((resolve) => {
    if (task.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        controller.abort(new Error('timeout'));
        resolve({ ok: false, error: `timed out after ${task.timeoutMs} ms`, timedOut: true, returned: {} });
      }, task.timeoutMs);
    }
    controller.signal.addEventListener(
      'abort',
      () => resolve({ ok: false, error: 'cancelled', cancelled: true, returned: {} }),
      { once: true },
    );
  });
  if (outer.aborted) onAbort(); // cancelled before this attempt began
  try {
    return await Promise.race([callStepFunction(step, ctx, write), stopped]);
  } finally {
    if (timer) clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  }
};

/**
 * The params a TypeScript step sees: all of them when it declares none; otherwise only those it
 * declares, and reading another one throws, so its cache key (over the declared ones) stays sound.
 */
function paramsSeenBy(step: Step, params: Params): Readonly<Params> {
  const declared = step.params;
  if (declared === undefined) return params;
  const seen = Object.fromEntries(declared.map((k) => [k, params[k]!]));
  return new Proxy(seen, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target) && key in params)
        throw new Error(
          `step "${step.name}" reads param "${key}" but declares params: [${declared.join(', ')}]; add "${key}" to its params`,
        );
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}
