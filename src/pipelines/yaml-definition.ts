import { parse, YAMLParseError } from 'yaml';
import { invalidParameter } from '../core/errors.js';
import { defineSteps } from './definition.js';
import type {
  ArtifactKind,
  CronTrigger,
  ParamValue,
  Params,
  PipelineDefinition,
  PipelineTriggers,
  StepSpec,
} from './types.js';

type Json = Record<string, unknown>;

const stepFields = new Set([
  'needs',
  'inputs',
  'outputs',
  'command',
  'files',
  'params',
  'retries',
  'backoff_ms',
  'timeout_ms',
  'cache',
]);
const topFields = new Set(['name', 'description', 'params', 'steps', 'triggers', 'concurrency']);

/**
 * Reads a pipeline from YAML into the same definition the TypeScript API builds. YAML steps are
 * shell commands; errors name the step and the field (`steps.train.retries`).
 */
export function parsePipelineYaml(text: string): PipelineDefinition {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw invalidParameter('yaml', yamlErrorMessage(error));
  }
  const top = object(doc, '(top level)');
  for (const key of Object.keys(top))
    if (!topFields.has(key))
      throw invalidParameter(key, `unknown field "${key}"; expected one of ${[...topFields].join(', ')}`);
  const name = string(top.name, 'name');
  const stepsDoc = object(top.steps, 'steps');
  const steps: [string, StepSpec][] = Object.entries(stepsDoc).map(([stepName, value]) => [
    stepName,
    stepSpec(stepName, value),
  ]);
  return defineSteps({
    name,
    ...(top.description === undefined ? {} : { description: string(top.description, 'description') }),
    ...params(top.params),
    steps,
    triggers: triggers(top.triggers),
    concurrency: top.concurrency === undefined ? 4 : integer(top.concurrency, 'concurrency'),
  });
}

/**
 * The parser's whole message: what is wrong, at which line and column, the line itself with a
 * caret under the place; and, for the commonest slip (a command holding ": "), how to write it.
 */
function yamlErrorMessage(error: unknown): string {
  if (!(error instanceof YAMLParseError)) return `the pipeline file is not valid YAML: ${String(error)}`;
  const start = error.linePos?.[0];
  // The parser puts "at line L, column C:" after its reason and the excerpt on the next lines.
  const [first = '', ...excerpt] = error.message.split('\n');
  const reason = first.replace(/ at line \d+, column \d+:?$/, '');
  const where = start ? ` at line ${start.line}, column ${start.col}` : '';
  const shown = excerpt.join('\n').replace(/^\n+|\s+$/g, '');
  const hint =
    error.code === 'BLOCK_AS_IMPLICIT_KEY'
      ? '\na value holding ": " must be quoted (command: "echo a: b") or written as a block: "command: |" with the command on the next lines, indented'
      : '';
  return `the pipeline file is not valid YAML${where}: ${reason}${shown ? `\n${shown}` : ''}${hint}`;
}

function stepSpec(name: string, value: unknown): StepSpec {
  const at = (field: string) => `steps.${name}.${field}`;
  const doc = object(value, `steps.${name}`);
  for (const key of Object.keys(doc)) {
    if (key === 'run')
      throw invalidParameter(at('run'), `step "${name}": YAML steps are shell commands; use "command"`);
    if (!stepFields.has(key))
      throw invalidParameter(
        at(key),
        `step "${name}" has unknown field "${key}"; expected one of ${[...stepFields].join(', ')}`,
      );
  }
  const spec: StepSpec = {};
  if (doc.command !== undefined) spec.command = string(doc.command, at('command'));
  if (doc.needs !== undefined) spec.needs = strings(doc.needs, at('needs'));
  if (doc.files !== undefined) spec.files = strings(doc.files, at('files'));
  if (doc.params !== undefined) spec.params = strings(doc.params, at('params'));
  if (doc.inputs !== undefined) spec.inputs = stringMap(doc.inputs, at('inputs'));
  if (doc.outputs !== undefined)
    spec.outputs = stringMap(doc.outputs, at('outputs')) as Record<string, ArtifactKind>;
  if (doc.retries !== undefined) spec.retries = integer(doc.retries, at('retries'));
  if (doc.backoff_ms !== undefined) spec.backoffMs = integer(doc.backoff_ms, at('backoff_ms'));
  if (doc.timeout_ms !== undefined) spec.timeoutMs = integer(doc.timeout_ms, at('timeout_ms'));
  if (doc.cache !== undefined) {
    if (typeof doc.cache !== 'boolean')
      throw invalidParameter(at('cache'), `${at('cache')} must be true or false`);
    spec.cache = doc.cache;
  }
  return spec;
}

/** `name: default`, or `name: {default: …, secret: true}` for a value kept out of logs (default ""). */
function params(value: unknown): { params: Params; secretParams: string[] } {
  const out = { params: {} as Params, secretParams: [] as string[] };
  if (value === undefined || value === null) return out;
  for (const [key, v] of Object.entries(object(value, 'params'))) {
    const field = `params.${key}`;
    let given = v;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const declared = v as Json;
      for (const k of Object.keys(declared))
        if (k !== 'default' && k !== 'secret')
          throw invalidParameter(
            `${field}.${k}`,
            `unknown field "${k}" of param "${key}"; expected default, secret`,
          );
      if (declared.secret !== undefined && typeof declared.secret !== 'boolean')
        throw invalidParameter(`${field}.secret`, `${field}.secret must be true or false`);
      if (declared.secret === true) out.secretParams.push(key);
      given = declared.default ?? (declared.secret === true ? '' : undefined);
    }
    if (!['string', 'number', 'boolean'].includes(typeof given))
      throw invalidParameter(
        field,
        `param "${key}" must be a string, number or boolean, or {default: …, secret: true}`,
      );
    out.params[key] = given as ParamValue;
  }
  return out;
}

function triggers(value: unknown): PipelineTriggers {
  if (value === undefined || value === null) return {};
  const doc = object(value, 'triggers');
  const out: PipelineTriggers = {};
  for (const key of Object.keys(doc))
    if (!['cron', 'datasets', 'alerts', 'webhook'].includes(key))
      throw invalidParameter(
        `triggers.${key}`,
        `unknown trigger "${key}"; expected cron, datasets, alerts or webhook`,
      );
  if (doc.cron !== undefined)
    out.cron = (Array.isArray(doc.cron) ? doc.cron : [doc.cron]).map((c, i) =>
      cronTrigger(c, Array.isArray(doc.cron) ? `triggers.cron[${i}]` : 'triggers.cron'),
    );
  if (doc.datasets !== undefined) out.datasets = strings(doc.datasets, 'triggers.datasets');
  if (doc.alerts !== undefined) {
    if (!Array.isArray(doc.alerts))
      throw invalidParameter('triggers.alerts', 'triggers.alerts must be a list of {rule, model}');
    out.alerts = doc.alerts.map((a, i) => {
      const alert = object(a, `triggers.alerts[${i}]`);
      return {
        ...(alert.rule === undefined ? {} : { rule: string(alert.rule, `triggers.alerts[${i}].rule`) }),
        ...(alert.model === undefined ? {} : { model: string(alert.model, `triggers.alerts[${i}].model`) }),
      };
    });
  }
  if (doc.webhook !== undefined) {
    const hook = object(doc.webhook, 'triggers.webhook');
    out.webhook = { secretEnv: string(hook.secret_env, 'triggers.webhook.secret_env') };
  }
  return out;
}

/** `"0 3 * * MON"` (UTC) or `{schedule: "0 3 * * MON", timezone: Europe/Berlin}`. */
function cronTrigger(value: unknown, field: string): CronTrigger {
  if (typeof value === 'string') return string(value, field);
  const doc = object(value, field);
  for (const key of Object.keys(doc))
    if (key !== 'schedule' && key !== 'timezone')
      throw invalidParameter(
        `${field}.${key}`,
        `unknown field "${key}" of ${field}; expected schedule, timezone`,
      );
  return {
    schedule: string(doc.schedule, `${field}.schedule`),
    ...(doc.timezone === undefined ? {} : { timezone: string(doc.timezone, `${field}.timezone`) }),
  };
}

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidParameter(field, `${field} must be a mapping`);
  return value as Json;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw invalidParameter(field, `${field} must be a non-empty string`);
  return value;
}

function strings(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw invalidParameter(field, `${field} must be a list of strings`);
  return value.map((v, i) => string(v, `${field}[${i}]`));
}

function stringMap(value: unknown, field: string): Record<string, string> {
  const doc = object(value, field);
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, string(v, `${field}.${k}`)]));
}

function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalidParameter(field, `${field} must be a whole number`);
  return value;
}
