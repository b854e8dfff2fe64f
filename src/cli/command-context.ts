import type { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { invalidParameter, isMloopError, MloopError, withNotFoundHint } from '../core/errors.js';
import type { Experiment, Page } from '../tracking/types.js';
import { openTrackingBackend, type TrackingBackend } from './tracking-backend.js';

/** Options every tracking command takes. */
export interface CommonOptions {
  url?: string;
  json?: boolean;
}

/** Adds `--url` and `--json` and an examples section to a command's help. */
export function trackingCommand(command: Command, examples: string[]): Command {
  return command
    .option(
      '--url <url>',
      'use the mloop server at this URL instead of the embedded store in ./.mloop (MLOOP_URL)',
    )
    .option('--json', 'print JSON to stdout, for scripts')
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/**
 * Runs a command's work against the backend its options select, and closes it afterwards. When
 * something is not found, `notFoundHint` is added to the message to say what to do.
 */
export async function withBackend<T>(
  options: CommonOptions,
  work: (backend: TrackingBackend) => Promise<T>,
  notFoundHint?: string,
): Promise<T> {
  const backend = await openTrackingBackend(loadConfig(options.url ? { url: options.url } : {}));
  try {
    return await work(backend);
  } catch (error) {
    throw notFoundHint ? withNotFoundHint(error, notFoundHint) : error;
  } finally {
    await backend.close();
  }
}

/** Writes text to stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a value as indented JSON to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Finds an experiment by id (all digits) or by name. */
export async function resolveExperiment(backend: TrackingBackend, ref: string): Promise<Experiment> {
  if (/^\d+$/.test(ref)) {
    try {
      return await backend.experiments.get(ref);
    } catch (error) {
      if (!isMloopError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    }
  }
  try {
    return await backend.experiments.getByName(ref);
  } catch (error) {
    if (isMloopError(error) && error.code === 'RESOURCE_DOES_NOT_EXIST') {
      throw new MloopError(
        error.code,
        `No experiment named or numbered "${ref}" in ${backend.location}: see \`mloop experiments list --view all\``,
      );
    }
    throw error;
  }
}

/** Reads pages until `max` items or the last page. */
export async function collectPages<T>(
  max: number,
  fetchPage: (pageToken: string | undefined, maxResults: number) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token, Math.min(1000, max - items.length));
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token && items.length < max);
  return items.slice(0, max);
}

/** Parses a positive integer option, failing with exit code 3 (invalid input) otherwise. */
export function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw invalidParameter(name, `${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** Collects a repeatable option's values. */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const viewChoices = ['active', 'deleted', 'all'] as const;

/** `active` → `ACTIVE_ONLY`, … */
export function viewType(view: string | undefined): 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' {
  if (view === undefined || view === 'active') return 'ACTIVE_ONLY';
  if (view === 'deleted') return 'DELETED_ONLY';
  if (view === 'all') return 'ALL';
  throw invalidParameter('view', `--view must be one of ${viewChoices.join(', ')}, got "${view}"`);
}
