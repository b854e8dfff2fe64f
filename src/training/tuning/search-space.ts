import { parse as parseYaml } from 'yaml';
import { invalidParameter } from '../../core/errors.js';
import type { RandomSource } from '../../core/random.js';
import type { HyperparameterKind, RawParams } from '../learner.js';

/**
 * A hyperparameter search space, written in YAML or JSON as parameter → domain:
 * ```yaml
 * l2: [0.0001, 0.001, 0.01]                   # choices
 * learning_rate: {low: 0.01, high: 0.3, log: true}
 * max_leaf_nodes: {low: 8, high: 64, integer: true}
 * ```
 * A range over a parameter the learner declares an integer draws whole numbers (`integer: true`
 * says so for any other). Grid search takes choices and integer ranges (every whole number in
 * them); random search and successive halving draw from either.
 */
export type ParamDomain =
  | { kind: 'choice'; values: Array<string | number | boolean> }
  | { kind: 'range'; low: number; high: number; log: boolean; integer: boolean };

export type SearchSpace = Record<string, ParamDomain>;

/** Parses a space from YAML/JSON text; errors name the parameter (`space.l2`). */
export function parseSearchSpace(text: string): SearchSpace {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw invalidParameter(
      'space',
      `the search space is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  ) {
    throw invalidParameter(
      'space',
      'the search space must map parameter names to a list of values or {low, high}',
    );
  }
  const space: SearchSpace = {};
  for (const [name, domain] of Object.entries(value as Record<string, unknown>))
    space[name] = parseDomain(name, domain);
  return space;
}

function parseDomain(name: string, domain: unknown): ParamDomain {
  const field = `space.${name}`;
  if (Array.isArray(domain)) {
    if (domain.length === 0 || !domain.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
      throw invalidParameter(field, `${name}: give a non-empty list of numbers, strings or booleans`);
    }
    return { kind: 'choice', values: domain as Array<string | number | boolean> };
  }
  if (typeof domain === 'object' && domain !== null) {
    const d = domain as Record<string, unknown>;
    const { low, high } = d;
    if (typeof low !== 'number' || typeof high !== 'number' || !(low <= high)) {
      throw invalidParameter(field, `${name}: a range needs numbers low ≤ high, as {low: 0.01, high: 0.3}`);
    }
    const log = d.log === true;
    if (log && !(low > 0)) throw invalidParameter(field, `${name}: a log range needs low > 0`);
    return { kind: 'range', low, high, log, integer: d.integer === true };
  }
  return { kind: 'choice', values: [domain as string | number | boolean] };
}

/** The space with the types a learner declares: its ranges over integer parameters draw integers. */
export function typedSpace(
  space: SearchSpace,
  kinds: Readonly<Record<string, HyperparameterKind>>,
): SearchSpace {
  const typed: SearchSpace = {};
  for (const [name, domain] of Object.entries(space)) {
    if (domain.kind !== 'range') {
      typed[name] = domain;
      continue;
    }
    const integer = domain.integer || kinds[name] === 'integer';
    if (integer) wholeNumberBounds(name, domain);
    typed[name] = { ...domain, integer };
  }
  return typed;
}

/** The whole numbers of an integer range (bounds rounded inwards); fails when there are none. */
function wholeNumberBounds(name: string, domain: { low: number; high: number }): [number, number] {
  const low = Math.ceil(domain.low);
  const high = Math.floor(domain.high);
  if (low > high)
    throw invalidParameter(
      `space.${name}`,
      `${name}: the range holds no whole number, and ${name} takes one`,
    );
  return [low, high];
}

function wholeNumbersOf(name: string, domain: { low: number; high: number }): number[] {
  const [low, high] = wholeNumberBounds(name, domain);
  if (high - low >= maxGridValues) {
    throw invalidParameter(
      `space.${name}`,
      `${name}: ${high - low + 1} whole numbers are too many for a grid (at most ${maxGridValues}); list some, or use --search random`,
    );
  }
  return Array.from({ length: high - low + 1 }, (_, i) => low + i);
}

const maxGridValues = 1000;

/** Every combination of the choices, in the order the space lists them (the last varies fastest). */
export function gridCandidates(space: SearchSpace): RawParams[] {
  let combos: RawParams[] = [{}];
  for (const [name, domain] of Object.entries(space)) {
    if (domain.kind === 'range' && !domain.integer) {
      throw invalidParameter(
        `space.${name}`,
        `${name}: grid search needs a list of values or a range of whole numbers, not a range of reals; use --search random`,
      );
    }
    const values = domain.kind === 'choice' ? domain.values : wholeNumbersOf(name, domain);
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [name]: v })));
  }
  return combos;
}

/** `count` independent draws from the space. */
export function randomCandidates(space: SearchSpace, count: number, random: RandomSource): RawParams[] {
  return Array.from({ length: count }, () => {
    const params: RawParams = {};
    for (const [name, domain] of Object.entries(space)) params[name] = draw(name, domain, random);
    return params;
  });
}

function draw(name: string, domain: ParamDomain, random: RandomSource): string | number | boolean {
  if (domain.kind === 'choice')
    return domain.values[Math.floor(random() * domain.values.length)] as string | number | boolean;
  const u = random();
  const value = domain.log
    ? Math.exp(Math.log(domain.low) + u * (Math.log(domain.high) - Math.log(domain.low)))
    : domain.low + u * (domain.high - domain.low);
  if (!domain.integer) return value;
  const [low, high] = wholeNumberBounds(name, domain);
  return Math.min(high, Math.max(low, Math.round(value)));
}
