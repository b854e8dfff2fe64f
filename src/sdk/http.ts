import { readSetting } from '../core/config.js';
import { errorStatus, MloopError, type ErrorCode } from '../core/errors.js';
import { readLocalAdminToken } from '../governance/local-admin-token.js';

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

export type QueryValue = string | number | string[] | undefined;

export interface HttpClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:5050` (a trailing slash is ignored). */
  url: string;
  /** Headers sent with every request, e.g. `authorization`. */
  headers?: Record<string, string>;
  /** Give up on a request after this many milliseconds; 120 s by default. */
  timeoutMs?: number;
  /** The fetch implementation; the global one by default (tests may pass their own). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as raw bytes (`application/octet-stream`). */
  bytes?: Uint8Array;
}

/**
 * The SDK's one door to the server: builds URLs, sends JSON or bytes, and turns every failure
 * into a `MloopError` — the server's own `{error_code, message, field}` when it answered, and a
 * `TEMPORARILY_UNAVAILABLE` naming the URL when it could not be reached.
 */
export class HttpClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `"${options.url}" is not a URL: use e.g. http://127.0.0.1:5050`,
        'url',
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `"${options.url}" must be an http:// or https:// URL`,
        'url',
      );
    }
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.headers = options.headers ?? {};
    // Every client of a server that requires tokens picks up MLOOP_TOKEN unless given its own; on
    // this machine's loopback, the local admin token the server keeps in the home (as Jupyter's).
    const token =
      readSetting('token') || (LOOPBACK.includes(parsed.hostname) ? localAdminToken() : undefined);
    if (token && !Object.keys(this.headers).some((h) => h.toLowerCase() === 'authorization'))
      this.headers = { ...this.headers, authorization: `Bearer ${token}` };
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    if (text === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MloopError(
        'INTERNAL_ERROR',
        `${method} ${this.urlFor(path)} answered with invalid JSON: ${text.slice(0, 200)}`,
      );
    }
  }

  /** Sends a request and returns the raw answer (the status was already checked). */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.urlFor(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers };
    let body: BodyInit | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.bytes !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      // Bytes backed by a SharedArrayBuffer are not a valid body; everything else is.
      body = options.bytes as Uint8Array<ArrayBuffer>;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw unreachable(url, error, this.timeoutMs);
    }
    if (!response.ok) throw await errorFrom(response, method, url);
    return response;
  }

  /** The absolute URL of an API path, with its query string. */
  urlFor(path: string, query: Record<string, QueryValue> = {}): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
    }
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }
}

/** The local admin token of the home this process would use (MLOOP_HOME, else ./.mloop). */
function localAdminToken(): string | undefined {
  const home = readSetting('home');
  return home === undefined ? undefined : readLocalAdminToken(home);
}

/** Encodes a `/`-separated path segment by segment, so slashes stay separators. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function unreachable(url: string, error: unknown, timeoutMs: number): MloopError {
  const origin = new URL(url).origin;
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') {
    return new MloopError(
      'TEMPORARILY_UNAVAILABLE',
      `the mloop server at ${origin} did not answer ${url} within ${timeoutMs} ms`,
    );
  }
  const reason = err.cause?.code ?? err.cause?.message ?? err.message ?? String(error);
  return new MloopError(
    'TEMPORARILY_UNAVAILABLE',
    `cannot reach the mloop server at ${origin} (${reason}): start it with \`mloop server\`, or point MLOOP_URL at a running one`,
  );
}

async function errorFrom(response: Response, method: string, url: string): Promise<MloopError> {
  const text = await response.text().catch(() => '');
  let body: { error_code?: unknown; message?: unknown; field?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const code =
    typeof body?.error_code === 'string' && body.error_code in errorStatus
      ? (body.error_code as ErrorCode)
      : codeForStatus(response.status);
  const message =
    typeof body?.message === 'string'
      ? body.message
      : `${method} ${url} failed with HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return new MloopError(code, message, typeof body?.field === 'string' ? body.field : undefined);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'RESOURCE_DOES_NOT_EXIST';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 502 || status === 503 || status === 504) return 'TEMPORARILY_UNAVAILABLE';
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL_ERROR';
}
