import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipeStreams } from 'node:stream/promises';
import { sha256Hex } from '../core/hashing.js';
import type { ArtifactService } from '../tracking/artifacts.js';
import { prepareCommand } from './command-placeholders.js';
import { runFunctionInProcess, type FunctionStepRunner, type StepOutcome } from './function-step.js';
import { runCommand } from './shell-command.js';
import type { StepResult, StepTask } from './step-task.js';
import type { Step, StoredOutput } from './types.js';

/**
 * Runs one attempt of a step wherever it is called (this process or a worker): fetches its
 * inputs from the artifact store, runs the function or command, stores its outputs and its log.
 */
export async function executeStep(
  task: StepTask,
  step: Step,
  artifacts: ArtifactService,
  signal: AbortSignal,
  runFunction: FunctionStepRunner = runFunctionInProcess,
): Promise<StepResult> {
  const workdir = await mkdtemp(join(tmpdir(), 'mloop-step-'));
  const log: string[] = [];
  const logPath = `${task.artifactDir}/logs/attempt-${task.attempt}.log`;
  let result: StepResult;
  try {
    const inputs = await materializeInputs(task, artifacts, join(workdir, 'inputs'));
    const outputDir = join(workdir, 'outputs');
    await mkdir(outputDir, { recursive: true });
    const outputPaths = Object.fromEntries(
      Object.keys(task.outputs).map((name) => [name, join(outputDir, name)]),
    );
    const outcome =
      step.command !== undefined
        ? await runShellStep(task, step.command, inputs, outputPaths, signal, (t) => log.push(t))
        : await runFunction(task, step, inputs, outputPaths, signal, (t) => log.push(t));
    if (!outcome.ok) {
      result = {
        ok: false,
        outputs: {},
        error: outcome.error,
        logPath,
        timedOut: outcome.timedOut,
        cancelled: outcome.cancelled,
      };
    } else {
      result = {
        ok: true,
        outputs: await storeOutputs(task, artifacts, outcome.returned, outputPaths),
        logPath,
      };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.push(`${message}\n`);
    result = { ok: false, outputs: {}, error: message, logPath };
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
  if (!result.ok && result.error) log.push(`\n[mloop] attempt ${task.attempt} failed: ${result.error}\n`);
  const mask = secretMask(task);
  // Masked as a whole, so a secret split across two chunks of output is caught too.
  await artifacts.put(logPath, Buffer.from(mask(log.join('')), 'utf8'));
  return result.error === undefined ? result : { ...result, error: mask(result.error) };
}

async function runShellStep(
  task: StepTask,
  command: string,
  inputs: Record<string, unknown>,
  outputPaths: Record<string, string>,
  signal: AbortSignal,
  write: (text: string) => void,
): Promise<StepOutcome> {
  const prepared = prepareCommand(
    command,
    { inputs, outputs: outputPaths, params: task.params },
    task.secretParams,
  );
  write(prepared.shown);
  // Values reach the command only through its environment, never as shell text.
  const outcome = await runCommand(prepared.script, {
    cwd: task.cwd,
    env: { ...process.env, ...prepared.env },
    timeoutMs: task.timeoutMs,
    signal,
    onOutput: write,
  });
  if (outcome.timedOut)
    return {
      ok: false,
      error: `timed out after ${task.timeoutMs} ms (process group killed)`,
      timedOut: true,
      returned: {},
    };
  if (outcome.cancelled) return { ok: false, error: 'cancelled', cancelled: true, returned: {} };
  if (outcome.exitCode !== 0) {
    return {
      ok: false,
      error: `command exited with ${outcome.exitCode ?? `signal ${outcome.signal ?? '?'}`}`,
      returned: {},
    };
  }
  return { ok: true, returned: {} };
}

/** Replaces the values of the run's secret params by `***` in text a step wrote or an error. */
function secretMask(task: StepTask): (text: string) => string {
  const values = (task.secretParams ?? [])
    .map((name) => task.params[name])
    .filter((v): v is string | number | boolean => v !== undefined && String(v) !== '')
    .map(String)
    // Longest first, so a secret containing another is masked whole.
    .sort((a, b) => b.length - a.length);
  return (text) => values.reduce((masked, value) => masked.replaceAll(value, '***'), text);
}

async function materializeInputs(
  task: StepTask,
  artifacts: ArtifactService,
  dir: string,
): Promise<Record<string, unknown>> {
  const inputs: Record<string, unknown> = {};
  for (const [name, stored] of Object.entries(task.inputs)) {
    if (stored.kind === 'value') {
      inputs[name] = stored.value;
      continue;
    }
    const target = join(dir, name);
    await mkdir(dir, { recursive: true });
    const file = await artifacts.get(stored.path!);
    await pipeStreams(file.stream, createWriteStream(target));
    inputs[name] = target;
  }
  return inputs;
}

async function storeOutputs(
  task: StepTask,
  artifacts: ArtifactService,
  returned: Record<string, unknown>,
  outputPaths: Record<string, string>,
): Promise<Record<string, StoredOutput>> {
  const outputs: Record<string, StoredOutput> = {};
  for (const [name, kind] of Object.entries(task.outputs)) {
    if (kind === 'value') {
      const value = name in returned ? returned[name] : await readValueFile(outputPaths[name]!);
      if (value === undefined) throw new Error(`step "${task.step}" produced no value for output "${name}"`);
      outputs[name] = { kind, value, digest: sha256Hex(JSON.stringify(value)) };
      continue;
    }
    const path = typeof returned[name] === 'string' ? (returned[name] as string) : outputPaths[name]!;
    const isFile = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isFile)
      throw new Error(
        `step "${task.step}" did not write its ${kind} output "${name}" (expected a file at ${path})`,
      );
    const bytes = await readFile(path);
    const stored = `${task.artifactDir}/outputs/${name}`;
    await artifacts.put(stored, bytes);
    outputs[name] = { kind, path: stored, digest: sha256Hex(bytes) };
  }
  return outputs;
}

/** A command writes a value output to its `${outputs.x}` file: JSON if it parses, else the trimmed text. */
async function readValueFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.trim();
  }
}
