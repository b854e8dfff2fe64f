import type { ErrorCode } from '../core/errors.js';

/**
 * The exit codes scripts can branch on, in the one table that both the code (`exitCodes`,
 * `exitCodeFor`) and every help text (`exitCodesHelp`, `exitCodesLine`) read, so the two cannot
 * disagree; `test/cli-exit-codes.test.ts` runs a real case of each against the built CLI.
 */
export const exitCodeTable = [
  { name: 'ok', code: 0, meaning: 'done' },
  {
    name: 'failure',
    code: 1,
    meaning:
      'failed: a check asked to fail the command did (--fail-on-drift, a gate), or an unexpected error',
  },
  { name: 'usage', code: 2, meaning: 'bad usage: an unknown command or option, a missing argument' },
  {
    name: 'invalidInput',
    code: 3,
    meaning: 'invalid input: a bad value, a missing or unreadable input file, a missing column',
  },
  {
    name: 'notFound',
    code: 4,
    meaning: 'not found: no such model, version, alias, run, experiment, dataset or deployment',
  },
  { name: 'conflict', code: 5, meaning: 'conflict: it already exists, or its state forbids the change' },
  { name: 'unavailable', code: 6, meaning: 'unavailable: the server cannot be reached or is busy' },
  { name: 'denied', code: 7, meaning: 'denied: no token, or a token without the role' },
] as const;

export type ExitCodeName = (typeof exitCodeTable)[number]['name'];

/** Exit codes by name: `exitCodes.notFound` is 4. */
export const exitCodes = Object.fromEntries(exitCodeTable.map((e) => [e.name, e.code])) as {
  readonly [E in (typeof exitCodeTable)[number] as E['name']]: E['code'];
};

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'RESOURCE_DOES_NOT_EXIST':
    case 'ENDPOINT_NOT_FOUND':
      return exitCodes.notFound;
    case 'RESOURCE_ALREADY_EXISTS':
    case 'INVALID_STATE':
      return exitCodes.conflict;
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      return exitCodes.denied;
    case 'TEMPORARILY_UNAVAILABLE':
      return exitCodes.unavailable;
    case 'INTERNAL_ERROR':
      return exitCodes.failure;
    default:
      return exitCodes.invalidInput;
  }
}

/** The whole table, for the top-level help. */
export function exitCodesHelp(): string {
  return `\nExit codes:\n${exitCodeTable.map((e) => `  ${e.code}  ${e.meaning}`).join('\n')}\n`;
}

/**
 * One command's exit codes in its own words, numbered from the table:
 * `exitCodesLine([['ok', 'scored'], ['notFound', 'no such model']])` → "Exit codes: 0 scored, 4 no such model."
 */
export function exitCodesLine(codes: ReadonlyArray<readonly [ExitCodeName, string]>): string {
  return `Exit codes: ${codes.map(([name, words]) => `${exitCodes[name]} ${words}`).join(', ')}.`;
}
