import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { HttpClient, type HttpResponse } from '../tracking/http-client.js';
import { startMloop, type BenchServer } from '../tracking/servers.js';
import { clockTicks, ownCpuSeconds, processGroupCpuSeconds } from '../serving/process-cpu.js';

/** A database of its own on the benchmark's PostgreSQL server, dropped by `drop()`. */
export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function withClient<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `mloop_bench_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(),
  };
}

/** Servers sharing one database and one artifact directory, as replicas behind a balancer. */
export class Replicas {
  readonly servers: BenchServer[] = [];

  constructor(
    private readonly root: string,
    private readonly databaseUrl: string,
  ) {}

  /** Starts servers one at a time (the first runs the migrations) until there are `count`. */
  async scaleTo(count: number): Promise<void> {
    const env = {
      MLOOP_DATABASE_URL: this.databaseUrl,
      MLOOP_ARTIFACT_ROOT: join(this.root, 'artifacts'),
      MLOOP_PII_HASH_KEY: 'bench-replicas-shared-key-0123456789abcdef',
    };
    while (this.servers.length < count) {
      this.servers.push(await startMloop(join(this.root, `server-${this.servers.length + 1}`), env));
    }
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** CPU seconds every server process has used so far. */
  cpuSeconds(): number | undefined {
    let total = 0;
    for (const server of this.servers) {
      const pid = server.process.child.pid;
      const seconds = pid === undefined ? undefined : processGroupCpuSeconds(pid);
      if (seconds === undefined) return undefined;
      total += seconds;
    }
    return total;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.process.stop()));
  }
}

/**
 * An HttpClient that sends each request to the next server in turn, as a round-robin balancer
 * would, so the tracking workload (written for one server) spreads over the replicas unchanged.
 */
export class RoundRobinClient extends HttpClient {
  private readonly clients: HttpClient[];
  private next = 0;

  constructor(urls: string[]) {
    super(urls[0] as string);
    this.clients = urls.map((url) => new HttpClient(url));
  }

  private pick(): HttpClient {
    return this.clients[this.next++ % this.clients.length] as HttpClient;
  }

  override post(path: string, body: string | object): Promise<HttpResponse> {
    return this.pick().post(path, body);
  }

  override get(path: string, query: Record<string, string | number> = {}): Promise<HttpResponse> {
    return this.pick().get(path, query);
  }

  override close(): void {
    for (const client of this.clients) client.close();
    super.close();
  }
}

/**
 * CPU seconds used so far by every process named `postgres` and the backends it has reaped: the
 * server's backends, one per connection, do the database's share of the work. Other users of the same PostgreSQL server
 * (tests run on it meanwhile) are counted too; the load average in the report says if there were.
 */
function postgresCpuSeconds(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Own time, plus that of reaped children: a backend whose connection closed has exited, and
    // its CPU time moved to the postmaster's cutime and cstime.
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / clockTicks();
}

/**
 * CPU seconds every process on the machine has used so far (non-idle time in /proc/stat): what
 * the benchmark's parties did not use of it went to other work sharing the machine.
 */
function machineCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = fields.slice(0, 8).reduce((sum, x, i) => (i === 3 || i === 4 ? sum : sum + x), 0);
    return busy / clockTicks();
  } catch {
    return undefined;
  }
}

/** Cores each party kept busy over a stretch of wall time (CPU seconds / wall seconds). */
export interface CoresUsed {
  servers?: number;
  postgres?: number;
  loadGenerator: number;
  /** Every process on the machine, the benchmark's and others'. */
  machine?: number;
}

/** Starts measuring; the returned function gives the cores each party used since. */
export function startCpuMeter(replicas: Replicas): () => CoresUsed {
  const start = {
    machine: machineCpuSeconds(),
    wall: process.hrtime.bigint(),
    servers: replicas.cpuSeconds(),
    postgres: postgresCpuSeconds(),
    self: ownCpuSeconds(),
  };
  return () => {
    const wall = Number(process.hrtime.bigint() - start.wall) / 1e9;
    const servers = replicas.cpuSeconds();
    const postgres = postgresCpuSeconds();
    const machine = machineCpuSeconds();
    const used: CoresUsed = { loadGenerator: (ownCpuSeconds() - start.self) / wall };
    if (servers !== undefined && start.servers !== undefined) used.servers = (servers - start.servers) / wall;
    if (machine !== undefined && start.machine !== undefined) used.machine = (machine - start.machine) / wall;
    if (postgres !== undefined && start.postgres !== undefined)
      used.postgres = (postgres - start.postgres) / wall;
    return used;
  };
}
