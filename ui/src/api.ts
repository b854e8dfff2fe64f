/** The dashboard's one way to call the server: JSON over the same REST API the SDK uses. */

/** An error answer of the API (`{error_code, message, field}`), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  /** The route does not exist on this server: the feature's API has not shipped here. */
  get notAvailable(): boolean {
    return this.status === 404 && this.code === 'ENDPOINT_NOT_FOUND';
  }
}

type Query = Record<string, string | number | undefined | string[]>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const tokenKey = 'mloop.token';

/** The API token this browser uses on a server that requires one (`mloop tokens create`). */
export function savedToken(): string | undefined {
  return window.localStorage.getItem(tokenKey) ?? undefined;
}

export function saveToken(token: string): void {
  if (token) window.localStorage.setItem(tokenKey, token);
  else window.localStorage.removeItem(tokenKey);
}

/** Headers every dashboard request sends: the saved token, when there is one. */
export function authHeaders(): Record<string, string> {
  const token = savedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      ...authHeaders(),
      ...(body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON (a proxy's error page): reported below with the status.
  }
  if (!response.ok) {
    const error = (json ?? {}) as { error_code?: string; message?: string; field?: string };
    throw new ApiError(
      response.status,
      error.error_code ?? 'HTTP_ERROR',
      error.message ?? `${method} ${path} answered ${response.status}`,
      error.field,
    );
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
};

/** Path segment escaping for names (models, datasets, deployments) in URLs. */
export const seg = (value: string | number) => encodeURIComponent(String(value));
