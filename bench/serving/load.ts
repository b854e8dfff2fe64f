import { Agent, request } from 'node:http';
import { summarize, type LatencySummary } from '../tracking/stats.js';
import { ownCpuSeconds } from './process-cpu.js';

/** One route under load: where to send, the bodies to cycle through, and how to read the class. */
export interface LoadTarget {
  /** e.g. `mloop /predict`. */
  label: string;
  /** Several replicas: connection i goes to the i-th in turn, as a balancer spreads connections. */
  baseUrl: string | string[];
  path: string;
  /** Serialized before the clock starts; request i sends bodies[i % length]. */
  bodies: Buffer[];
  /** The class each body must get, by the same index. */
  expected: number[];
  /** The predicted class in a 200 answer's parsed body, or undefined when it has none. */
  labelOf(answer: unknown): unknown;
}

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** CPU seconds the server has used so far (all its processes), when it can be read. */
  serverCpuSeconds?: () => number | undefined;
}

/** CPU time spent during the measured window. */
export interface CpuUse {
  /** Server CPU seconds, user + system, all its processes; absent where it cannot be read. */
  serverSeconds?: number;
  /** Server CPU milliseconds per measured request: its cost without the wait for a core. */
  serverMsPerRequest?: number;
  /** This process's CPU seconds: what the load generator took from the shared cores. */
  loadGeneratorSeconds: number;
}

/** A few answers that were not right, verbatim, to say what went wrong. */
export interface FailureSample {
  status: number;
  body: string;
}

export interface LoadResult {
  target: string;
  connections: number;
  /** Measured wall time, from the end of the warm-up to the last measured answer. */
  seconds: number;
  /** Requests started after the warm-up that got a right answer. */
  measuredOk: number;
  requestsPerSecond: number;
  /** Latency of the measured requests that got a right answer, in ms. */
  latencyMs: LatencySummary;
  /** Every request, warm-up included: answered 200 (whatever the class), and not. */
  answered200: number;
  failed: number;
  wrongClass: number;
  failures: FailureSample[];
  cpu: CpuUse;
}

const TIMEOUT_MS = 30_000;
const MAX_FAILURE_SAMPLES = 5;

/**
 * Keeps `connections` keep-alive HTTP/1.1 connections busy with one request in flight each, for
 * the warm-up and then the measured seconds. node:http with one Agent (maxSockets 1) per
 * connection, so there are exactly `connections` sockets and no queueing inside the client.
 */
export async function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const urls = [target.baseUrl].flat().map((u) => new URL(u));
  const start = process.hrtime.bigint();
  const measureFrom = start + BigInt(Math.round(options.warmupSeconds * 1e9));
  const stopAt = measureFrom + BigInt(Math.round(options.seconds * 1e9));
  const latencies: number[] = [];
  const failures: FailureSample[] = [];
  let answered200 = 0;
  let failed = 0;
  let wrongClass = 0;
  let lastMeasuredEnd = measureFrom;
  let next = 0;

  const fail = (sample: FailureSample) => {
    failed++;
    if (failures.length < MAX_FAILURE_SAMPLES) failures.push(sample);
  };

  async function connection(index: number): Promise<void> {
    const url = urls[index % urls.length] as URL;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (process.hrtime.bigint() < stopAt) {
        const i = next++ % target.bodies.length;
        const sent = process.hrtime.bigint();
        let status = 0;
        let body = '';
        try {
          ({ status, body } = await post(url, target.path, target.bodies[i] as Buffer, agent));
        } catch (error) {
          fail({ status: 0, body: (error as Error).message });
          continue;
        }
        const done = process.hrtime.bigint();
        if (status !== 200) {
          fail({ status, body: body.slice(0, 500) });
          continue;
        }
        answered200++;
        if (!hasClass(target, body, target.expected[i] as number)) {
          wrongClass++;
          fail({ status, body: `expected class ${target.expected[i]}: ${body.slice(0, 500)}` });
          continue;
        }
        if (sent >= measureFrom && sent < stopAt) {
          latencies.push(Number(done - sent) / 1e6);
          if (done > lastMeasuredEnd) lastMeasuredEnd = done;
        }
      }
    } finally {
      agent.destroy();
    }
  }

  const cpuNow = () => ({ server: options.serverCpuSeconds?.(), client: ownCpuSeconds() });
  let cpuAtStart = cpuNow();
  const startTimer = setTimeout(() => (cpuAtStart = cpuNow()), options.warmupSeconds * 1000);
  await Promise.all(Array.from({ length: options.connections }, (_, i) => connection(i)));
  clearTimeout(startTimer);
  const cpuAtEnd = cpuNow();
  const seconds = Number(lastMeasuredEnd - measureFrom) / 1e9;
  const cpu: CpuUse = { loadGeneratorSeconds: cpuAtEnd.client - cpuAtStart.client };
  if (cpuAtStart.server !== undefined && cpuAtEnd.server !== undefined) {
    cpu.serverSeconds = cpuAtEnd.server - cpuAtStart.server;
    if (latencies.length > 0) cpu.serverMsPerRequest = (cpu.serverSeconds * 1000) / latencies.length;
  }
  return {
    target: target.label,
    connections: options.connections,
    seconds,
    measuredOk: latencies.length,
    requestsPerSecond: seconds > 0 ? latencies.length / seconds : 0,
    latencyMs: summarize(latencies),
    answered200,
    failed,
    wrongClass,
    failures,
    cpu,
  };
}

function hasClass(target: LoadTarget, body: string, expected: number): boolean {
  try {
    return Number(target.labelOf(JSON.parse(body))) === expected;
  } catch {
    return false;
  }
}

function post(url: URL, path: string, body: Buffer, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: Number(url.port),
        method: 'POST',
        path,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
