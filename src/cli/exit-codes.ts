import type { ErrorCode } from '../core/errors.js';

/** Exit codes scripts can branch on. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  invalidInput: 3,
  notFound: 4,
  conflict: 5,
  unavailable: 6,
  denied: 7,
} as const;

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
