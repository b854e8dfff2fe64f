import { invalidParameter } from '../core/errors.js';
import { commandParams, rewriteCommand } from './command-placeholders.js';
import { cronOf } from './triggers/cron.js';
import {
  artifactKinds,
  type ParamValue,
  type Params,
  type PipelineDefinition,
  type PipelineTriggers,
  type Step,
  type StepSpec,
} from './types.js';

const namePattern = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

/**
 * The typed way to write a pipeline:
 * `pipeline('train').param('lr', 0.1).step('ingest', {...}).step('train', {inputs: {data: 'ingest.data'}, ...})`.
 * A module exports it (default export) so `mloop pipelines run` and workers can load it.
 */
export class PipelineBuilder {
  private readonly specs: [string, StepSpec][] = [];
  private readonly paramDefaults: Params = {};
  private readonly secrets: string[] = [];
  private triggerSpec: PipelineTriggers = {};
  private maxParallel = 4;
  private about: string | undefined;

  constructor(readonly name: string) {}

  /** A param with its default; `secret` ones are shown as `***` in step logs and tracked runs. */
  param(name: string, defaultValue: ParamValue, options: { secret?: boolean } = {}): this {
    this.paramDefaults[name] = defaultValue;
    if (options.secret) this.secrets.push(name);
    return this;
  }

  step(name: string, spec: StepSpec): this {
    this.specs.push([name, spec]);
    return this;
  }

  triggers(triggers: PipelineTriggers): this {
    this.triggerSpec = triggers;
    return this;
  }

  /** At most this many steps run at once (default 4). */
  concurrency(n: number): this {
    this.maxParallel = n;
    return this;
  }

  description(text: string): this {
    this.about = text;
    return this;
  }

  /** Validates and returns the definition; errors name the step and field. */
  build(): PipelineDefinition {
    return defineSteps({
      name: this.name,
      ...(this.about === undefined ? {} : { description: this.about }),
      params: this.paramDefaults,
      secretParams: this.secrets,
      steps: this.specs,
      triggers: this.triggerSpec,
      concurrency: this.maxParallel,
    });
  }
}

export function pipeline(name: string): PipelineBuilder {
  return new PipelineBuilder(name);
}

export interface RawDefinition {
  name: string;
  description?: string;
  params: Params;
  secretParams?: string[];
  steps: [string, StepSpec][];
  triggers: PipelineTriggers;
  concurrency: number;
}

/** Checks a definition (from the builder or YAML) and puts its steps in topological order. */
export function defineSteps(raw: RawDefinition): PipelineDefinition {
  if (!namePattern.test(raw.name)) {
    throw invalidParameter(
      'name',
      `pipeline name "${raw.name}" must be letters, digits, "-" or "_", starting with a letter`,
    );
  }
  if (!Number.isInteger(raw.concurrency) || raw.concurrency < 1) {
    throw invalidParameter(
      'concurrency',
      `concurrency must be a positive integer, got ${String(raw.concurrency)}`,
    );
  }
  if (raw.steps.length === 0) throw invalidParameter('steps', `pipeline "${raw.name}" has no steps`);
  const steps = new Map<string, Step>();
  for (const [name, spec] of raw.steps) {
    if (steps.has(name)) throw invalidParameter(`steps.${name}`, `step "${name}" is declared twice`);
    steps.set(name, checkStep(name, spec, raw.params));
  }
  for (const step of steps.values()) {
    for (const [input, ref] of Object.entries(step.inputs)) {
      const field = `steps.${step.name}.inputs.${input}`;
      const upstream = steps.get(ref.step);
      if (!upstream)
        throw invalidParameter(
          field,
          `input "${input}" of step "${step.name}" comes from unknown step "${ref.step}"`,
        );
      if (!(ref.output in upstream.outputs)) {
        throw invalidParameter(
          field,
          `input "${input}" of step "${step.name}": step "${ref.step}" has no output "${ref.output}"`,
        );
      }
    }
    for (const need of step.needs) {
      if (!steps.has(need)) {
        throw invalidParameter(
          `steps.${step.name}.needs`,
          `step "${step.name}" needs "${need}", which is not a step of this pipeline`,
        );
      }
    }
  }
  for (const trigger of raw.triggers.cron ?? []) {
    try {
      cronOf(trigger);
    } catch (error) {
      throw invalidParameter('triggers.cron', (error as Error).message);
    }
  }
  return {
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    params: raw.params,
    secretParams: raw.secretParams ?? [],
    steps: topologicalOrder([...steps.values()]),
    triggers: raw.triggers,
    concurrency: raw.concurrency,
  };
}

function checkStep(name: string, spec: StepSpec, params: Params): Step {
  const at = (field: string) => `steps.${name}.${field}`;
  if (!namePattern.test(name)) {
    throw invalidParameter(
      `steps.${name}`,
      `step name "${name}" must be letters, digits, "-" or "_", starting with a letter`,
    );
  }
  if ((spec.run === undefined) === (spec.command === undefined)) {
    throw invalidParameter(at('run'), `step "${name}" needs exactly one of "run" (a function) and "command"`);
  }
  if (spec.command !== undefined && (typeof spec.command !== 'string' || spec.command.trim() === '')) {
    throw invalidParameter(at('command'), `step "${name}": command must be a non-empty string`);
  }
  const outputs = spec.outputs ?? {};
  for (const [output, kind] of Object.entries(outputs)) {
    if (!artifactKinds.includes(kind)) {
      throw invalidParameter(
        at(`outputs.${output}`),
        `step "${name}": output "${output}" has kind "${String(kind)}"; use one of ${artifactKinds.join(', ')}`,
      );
    }
  }
  const inputs: Step['inputs'] = {};
  for (const [input, ref] of Object.entries(spec.inputs ?? {})) {
    const match = typeof ref === 'string' ? /^([^.]+)\.(.+)$/.exec(ref) : null;
    if (!match)
      throw invalidParameter(
        at(`inputs.${input}`),
        `step "${name}": input "${input}" must be "step.output", got ${JSON.stringify(ref)}`,
      );
    inputs[input] = { step: match[1]!, output: match[2]! };
  }
  for (const param of spec.params ?? []) {
    if (!(param in params))
      throw invalidParameter(
        at('params'),
        `step "${name}" uses param "${param}", which the pipeline does not declare`,
      );
  }
  if (spec.command !== undefined) {
    try {
      rewriteCommand(spec.command);
    } catch (error) {
      throw invalidParameter(at('command'), `step "${name}": ${(error as Error).message}`);
    }
  }
  // A command sees only the params it names (and those its step lists): they make its cache key.
  const referenced = spec.command === undefined ? [] : commandParams(spec.command);
  for (const param of referenced) {
    if (!(param in params))
      throw invalidParameter(
        at('command'),
        `step "${name}": the command refers to \${params.${param}}, which the pipeline does not declare; it declares: ${Object.keys(params).join(', ') || 'none'}`,
      );
  }
  const needs = [...new Set([...(spec.needs ?? []), ...Object.values(inputs).map((r) => r.step)])];
  if (needs.includes(name)) throw invalidParameter(at('needs'), `step "${name}" cannot need itself`);
  return {
    name,
    needs,
    inputs,
    outputs,
    run: spec.run,
    command: spec.command,
    files: spec.files ?? [],
    params: spec.command === undefined ? spec.params : [...new Set([...(spec.params ?? []), ...referenced])],
    retries: nonNegativeInteger(spec.retries ?? 0, at('retries')),
    backoffMs: nonNegativeInteger(spec.backoffMs ?? 1000, at('backoffMs')),
    timeoutMs: spec.timeoutMs === undefined ? undefined : positive(spec.timeoutMs, at('timeoutMs')),
    cache: spec.cache ?? true,
  };
}

function nonNegativeInteger(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0)
    throw invalidParameter(field, `${field} must be a whole number ≥ 0, got ${String(value)}`);
  return value;
}

function positive(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw invalidParameter(field, `${field} must be a positive whole number, got ${String(value)}`);
  return value;
}

/** Kahn's algorithm, keeping declaration order among ready steps; a cycle is named in the error. */
export function topologicalOrder(steps: Step[]): Step[] {
  const remaining = new Map(steps.map((s) => [s.name, new Set(s.needs)]));
  const ordered: Step[] = [];
  while (remaining.size > 0) {
    const ready = steps.filter((s) => remaining.get(s.name)?.size === 0);
    if (ready.length === 0) {
      const cycle = findCycle(remaining);
      throw invalidParameter(`steps.${cycle[0]}.needs`, `steps form a cycle: ${cycle.join(' → ')}`);
    }
    for (const step of ready) {
      ordered.push(step);
      remaining.delete(step.name);
      for (const needs of remaining.values()) needs.delete(step.name);
    }
  }
  return ordered;
}

function findCycle(remaining: Map<string, Set<string>>): string[] {
  const start = remaining.keys().next().value as string;
  const path: string[] = [];
  let current = start;
  while (!path.includes(current)) {
    path.push(current);
    current = [...(remaining.get(current) ?? [])].find((n) => remaining.has(n)) ?? start;
  }
  return [...path.slice(path.indexOf(current)), current];
}
