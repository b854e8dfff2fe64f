/**
 * The one error type of mloop. Codes follow MLflow's names so the MLflow-compatible routes
 * and the native API answer with the same vocabulary; each code carries its HTTP status.
 */
export const errorStatus = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class MloopError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The request field the error is about, when there is one. */
  readonly field: string | undefined;
  /** Seconds a client should wait before retrying (sent as Retry-After), when it should. */
  retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'MloopError';
    this.code = code;
    this.status = errorStatus[code];
    this.field = field;
  }
}

/** A 503 the client should retry after `retryAfterSeconds`: the server is busy or shutting down. */
export function temporarilyUnavailable(message: string, retryAfterSeconds: number): MloopError {
  const error = new MloopError('TEMPORARILY_UNAVAILABLE', message);
  error.retryAfterSeconds = retryAfterSeconds;
  return error;
}

export function invalidParameter(field: string, message: string): MloopError {
  return new MloopError('INVALID_PARAMETER_VALUE', message, field);
}

export function notFound(message: string): MloopError {
  return new MloopError('RESOURCE_DOES_NOT_EXIST', message);
}

export function alreadyExists(message: string): MloopError {
  return new MloopError('RESOURCE_ALREADY_EXISTS', message);
}

export function isMloopError(error: unknown): error is MloopError {
  return error instanceof MloopError;
}

/**
 * `error` with what to do next ending its sentence, when it says a named resource does not exist:
 * "Registered Model with name=churn not found; see `mloop models list`". A not-found error about
 * a part of a resource (its `field` set, as an alias of a model) already names, in its own message,
 * what there is instead, so it is returned as it is; so is any other error.
 */
export function withNotFoundHint(error: unknown, hint: string): unknown {
  if (!isMloopError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST' || error.field !== undefined)
    return error;
  return new MloopError(error.code, `${error.message.replace(/\.$/, '')}; ${hint}`);
}

/**
 * `get()`, or `create()` when there is nothing to get. Another process creating the same resource
 * between the two is not an error: when `create()` fails and `get()` now finds the resource, that
 * is the answer (the race can surface as RESOURCE_ALREADY_EXISTS or as the database's own unique-key
 * error); otherwise `create()`'s error is.
 */
export async function getOrCreate<T>(get: () => Promise<T>, create: () => Promise<T>): Promise<T> {
  try {
    return await get();
  } catch (error) {
    if (!isMloopError(error) || error.code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
  }
  try {
    return await create();
  } catch (error) {
    try {
      return await get();
    } catch {
      throw error;
    }
  }
}
