import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  /** The balancer's own URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** How many requests each target was sent, in the order of the targets. */
  counts: number[];
  /** How many requests were sent by method and path (without the query), e.g. `POST /predict`. */
  sent: Map<string, number>;
  /** Sends no more requests to `target`, as a balancer's health check takes a dead server out. */
  remove(target: string): void;
  close(): Promise<void>;
}

/**
 * A load balancer in front of several servers, as replicas run behind one: each request goes to
 * the next target in turn, whatever it is. Bodies and answers are streamed through unchanged.
 */
export async function roundRobin(targets: string[]): Promise<RoundRobin> {
  const counts = targets.map(() => 0);
  const sent = new Map<string, number>();
  let live = targets.map((_, index) => index);
  let next = 0;
  const server: Server = createServer((req, res) => {
    const index = live[next++ % live.length]!;
    counts[index]!++;
    const route = `${req.method} ${(req.url ?? '/').split('?')[0]}`;
    sent.set(route, (sent.get(route) ?? 0) + 1);
    const target = new URL(req.url ?? '/', targets[index]);
    const forwarded = request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`round robin: ${targets[index]} failed: ${error.message}`);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    sent,
    remove(target) {
      live = live.filter((index) => targets[index] !== target);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
