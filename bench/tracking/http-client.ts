import { Agent, request } from 'node:http';

/** What came back: the status and the raw body (parsed by the caller, outside any timed section). */
export interface HttpResponse {
  status: number;
  body: string;
}

/**
 * A keep-alive HTTP/1.1 client for one server. node:http rather than fetch: it costs the load
 * generator less CPU per request, and the load generator shares the machine with the server.
 */
export class HttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly host: string;
  private readonly port: number;

  constructor(
    readonly baseUrl: string,
    // Generous: one MLflow search takes minutes at 100,000 runs on a busy machine.
    private readonly timeoutMs = 900_000,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  /** POSTs a JSON body; a string is sent as is, so callers can serialize before timing. */
  post(path: string, body: string | object): Promise<HttpResponse> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return this.send('POST', path, text);
  }

  get(path: string, query: Record<string, string | number> = {}): Promise<HttpResponse> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    const suffix = search.size > 0 ? `?${search.toString()}` : '';
    return this.send('GET', `${path}${suffix}`, undefined);
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * A kept-alive socket that the server closed while it sat idle fails on reuse (ECONNRESET or
   * EPIPE); as Node's http docs advise, that one case is sent again, on a new socket.
   */
  private async send(method: string, path: string, body: string | undefined): Promise<HttpResponse> {
    try {
      return await this.sendOnce(method, path, body);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.sendOnce(method, path, body);
    }
  }

  private sendOnce(method: string, path: string, body: string | undefined): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new Error(`${method} ${path}: no response within ${this.timeoutMs} ms`)),
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        const stale = req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        reject(stale ? new StaleSocketError(error.message) : error);
      });
      req.end(body);
    });
  }
}

class StaleSocketError extends Error {}
