import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorStatus, isMloopError, MloopError, type ErrorCode } from '../core/errors.js';

/** The one error body: MLflow's shape, so MLflow clients and mloop's own clients read it alike. */
export interface ErrorBody {
  error_code: ErrorCode;
  message: string;
  field?: string;
}

/**
 * Turns anything thrown by a handler into an `ErrorBody`. Known errors keep their status;
 * schema failures name the offending field; anything else is a 500 whose details go to the
 * log only, never to the client.
 */
export function toErrorResponse(
  error: unknown,
  request: FastifyRequest,
): { status: number; body: ErrorBody } {
  if (isMloopError(error)) return fromMloopError(error);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation && fastifyError.validation.length > 0) {
    const first = fastifyError.validation[0];
    const where = fastifyError.validationContext ?? 'body';
    const path = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
    const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
    const field = [path, missing].filter(Boolean).join('.') || where;
    return fromMloopError(
      new MloopError(
        'INVALID_PARAMETER_VALUE',
        `Invalid ${where} field '${field}': ${first?.message ?? 'invalid value'}`,
        field,
      ),
    );
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status === 413) return fromMloopError(payloadTooLarge(request.routeOptions.bodyLimit));
  if (status === 415)
    return fromMloopError(
      new MloopError('BAD_REQUEST', `Unsupported content type: ${request.headers['content-type'] ?? 'none'}`),
    );
  if (status >= 400 && status < 500)
    return fromMloopError(new MloopError('BAD_REQUEST', fastifyError.message));
  request.log.error({ err: error }, 'unhandled error');
  return fromMloopError(
    new MloopError('INTERNAL_ERROR', 'Internal server error; see the server log for details'),
  );
}

/**
 * A request Node's HTTP parser refuses before Fastify sees it (a control character in a header,
 * headers too large, too slow) is answered with the one error body too, then the socket closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'The request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request headers are larger than the server accepts']
        : [400, 'Bad Request', `Malformed HTTP request (${error.code ?? 'parse error'})`];
  // Which route it was for is unknown: `error` too, the field Open Inference Protocol clients read.
  const body = JSON.stringify({ error_code: 'BAD_REQUEST', message, error: message } satisfies ErrorBody & {
    error: string;
  });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}

/** The 413 every body over its route's limit answers, parsed or streamed. */
export function payloadTooLarge(limit: number): MloopError {
  return new MloopError(
    'PAYLOAD_TOO_LARGE',
    `Request body is larger than this route's limit of ${limit} bytes (${Math.floor(limit / 1024)} KiB)`,
  );
}

function fromMloopError(error: MloopError): { status: number; body: ErrorBody } {
  const body: ErrorBody = { error_code: error.code, message: error.message };
  if (error.field) body.field = error.field;
  return { status: errorStatus[error.code], body };
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toErrorResponse(error, request);
  return withRetryAfter(error, reply).status(status).type('application/json').send(body);
}

/** Sends Retry-After when the error says when to retry (a 503 of a busy or closing server). */
export function withRetryAfter(error: unknown, reply: FastifyReply): FastifyReply {
  if (isMloopError(error) && error.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(error.retryAfterSeconds));
  return reply;
}
