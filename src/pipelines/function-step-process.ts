import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionStepRunner, StepOutcome } from './function-step.js';
import { runCommand } from './shell-command.js';
import type { StepTask } from './step-task.js';

/** What the child reads from the file its first argument names: the attempt, its local inputs and output paths. */
export interface FunctionStepSpec {
  task: StepTask;
  inputs: Record<string, unknown>;
  outputPaths: Record<string, string>;
  /** Where the child writes its `StepOutcome` as JSON before it exits. */
  resultPath: string;
}

// The child's entry sits beside this file: .js in the build; .ts when run from source, where
// tsx (a development dependency) compiles it.
const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');
const entry = join(dirname(here), `function-step-entry.${fromSource ? 'ts' : 'js'}`);

/** The step process's niceness (0 normal, 19 lowest): below the server's, well above idle. */
const stepNiceness = 10;

/**
 * Runs the step's function in a child Node process that loads the pipeline from its source, as
 * `mloop worker` does, so a CPU-bound step (training) never blocks this process's event loop.
 * The child runs under the shell steps' watcher (`runCommand`): a timeout or cancellation kills
 * its process group, and the group ends when this process does. What the child prints, and what
 * the step logs, goes to the step's log; its returned values travel back as JSON.
 */
export const runFunctionInChild: FunctionStepRunner = async (
  task,
  _step,
  inputs,
  outputPaths,
  signal,
  write,
) => {
  const dir = await mkdtemp(join(tmpdir(), 'mloop-function-'));
  try {
    const spec: FunctionStepSpec = { task, inputs, outputPaths, resultPath: join(dir, 'result.json') };
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
    const nodeOptions = [process.env.NODE_OPTIONS, fromSource ? '--import tsx' : undefined];
    // The spec's path is an argument: the environment's MLOOP_ names are settings, read by the loader.
    // At a lower priority (every thread of it, GBDT's included): where cores are few, a step that
    // trains takes what serving leaves, instead of sharing the cores with /predict equally.
    const outcome = await runCommand(`exec nice -n ${stepNiceness} "$STEP_NODE" "$STEP_ENTRY" "$STEP_SPEC"`, {
      // Where a function ran when it ran in this process (`task.cwd` is for shell commands).
      cwd: process.cwd(),
      env: {
        ...process.env,
        NODE_OPTIONS: nodeOptions.filter(Boolean).join(' '),
        STEP_NODE: process.execPath,
        STEP_ENTRY: entry,
        STEP_SPEC: join(dir, 'spec.json'),
      },
      timeoutMs: task.timeoutMs,
      signal,
      onOutput: write,
    });
    if (outcome.timedOut)
      return {
        ok: false,
        error: `timed out after ${task.timeoutMs} ms (step process killed)`,
        timedOut: true,
        returned: {},
      };
    if (outcome.cancelled) return { ok: false, error: 'cancelled', cancelled: true, returned: {} };
    const result = await readFile(spec.resultPath, 'utf8').catch(() => undefined);
    if (result === undefined)
      return {
        ok: false,
        error: `the step's process exited with ${outcome.exitCode ?? `signal ${outcome.signal ?? '?'}`} before it finished`,
        returned: {},
      };
    return JSON.parse(result) as StepOutcome;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
