import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { settings } from '../../src/core/settings.js';
import { describeWithPython, pythonPath } from '../helpers/python.js';

/*
 * The image cannot be built here (no container runtime), so these tests check what can be read:
 * the Dockerfile holds what the package needs and runs as the README says, the compose file
 * parses and wires mloop to its services under the variable names mloop reads.
 */

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, root)), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, grouped by stage. */
function stages(dockerfile: string): Instruction[][] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const result: Instruction[][] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

describe('Dockerfile', () => {
  const all = stages(read('Dockerfile'));
  const runtime = all.at(-1) ?? [];
  const of = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('builds in one stage and runs from a slim one that holds no sources or compiler', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:20-[a-z]+-slim$/m);
    const copies = of('COPY');
    expect(copies.every((c) => c.startsWith('--from=build ') || /^(README\.md|LICENSE)\b/.test(c))).toBe(
      true,
    );
    expect(copies.filter((c) => /\/src\/(src|ui\/src|test)\b/.test(c))).toEqual([]);
    expect(of('RUN').join(' ')).not.toMatch(/apt-get install/);
  });

  it('copies everything the npm package ships, and the production dependencies', () => {
    const manifest = JSON.parse(read('package.json')) as { files: string[] };
    const copied = of('COPY').map((c) => c.split(/\s+/).at(-2));
    for (const shipped of manifest.files.filter((f) => !f.startsWith('!')))
      expect(copied).toContain(`/src/${shipped}`);
    expect(copied).toEqual(expect.arrayContaining(['/src/node_modules', '/src/package.json']));
    const build = all[0]?.map((i) => `${i.keyword} ${i.args}`).join('\n') ?? '';
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm prune --omit=dev/);
  });

  it('runs as a non-root user, checks its health and starts `mloop server` (the same image runs the worker)', () => {
    const user = of('USER').at(-1) ?? '';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user).not.toBe('');
    expect(of('HEALTHCHECK').join(' ')).toContain('/health');
    expect(JSON.parse(of('ENTRYPOINT').at(-1) ?? '[]')).toEqual(['mloop']);
    expect(JSON.parse(of('CMD').at(-1) ?? '[]')).toEqual(['server']);
    expect(of('ENV').join(' ')).toMatch(/MLOOP_HOST=0\.0\.0\.0/);
  });

  it('sends the build every file it copies from the context, and nothing else', () => {
    const included = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    expect(read('.dockerignore')).toMatch(/^\*$/m);
    const fromContext = all
      .flat()
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext) expect(included).toContain(source.replace(/^\.\//, ''));
  });
});

describeWithPython('Dockerfile lint', () => {
  it('passes hadolint (pinned in the Python test requirements), each ignored rule saying why', () => {
    const hadolint = join(dirname(pythonPath()), 'hadolint');
    const dockerfile = fileURLToPath(new URL('Dockerfile', root));
    const run = spawnSync(hadolint, ['--no-color', dockerfile], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(run.status).toBe(0);
    // An ignore is a decision: the comment lines just above it give the reason.
    const lines = read('Dockerfile').split('\n');
    lines.forEach((line, i) => {
      if (!/^#\s*hadolint\s+ignore=/.test(line)) return;
      const reason = lines[i - 1] ?? '';
      expect(reason, `line ${i + 1}`).toMatch(/^#\s+\S.{20,}/);
    });
  });
});

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

/** Compose's `${NAME:-default}` and `${NAME:?message}` read as a user's first `up` would (defaults). */
function withDefaults(value: string): string {
  return value.replace(
    /\$\{[A-Z_]+(?::-([^}]*)|:\?[^}]*)?\}/g,
    (_, fallback: string | undefined) => fallback ?? 'set',
  );
}

describe('deploy/compose.yaml', () => {
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const services = compose.services;
  const env = (name: string) =>
    Object.fromEntries(
      Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]),
    );

  it('runs mloop server and mloop worker from the Dockerfile, beside PostgreSQL, Redis and S3-compatible storage', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['server', 'worker', 'postgres', 'redis', 'minio']),
    );
    expect(services.server?.build).toEqual({ context: '..', dockerfile: 'Dockerfile' });
    expect(services.server?.command).toEqual(['server']);
    expect(services.worker?.image).toBe(services.server?.image);
    expect(services.worker?.command?.[0]).toBe('worker');
    expect(services.server?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('gives the server and the worker the same settings, under names mloop reads', () => {
    const server = env('server');
    const worker = env('worker');
    for (const [name, value] of Object.entries(worker)) expect(server[name], name).toBe(value);
    const declared = new Set<string>(Object.values(settings).map((s) => s.env));
    const names = Object.keys(server);
    expect(names.filter((n) => n.startsWith('MLOOP_') && !declared.has(n))).toEqual([]);
    // The S3 client's variables, as the artifact store reads them.
    expect(names.filter((n) => !n.startsWith('MLOOP_'))).toEqual(
      expect.arrayContaining([
        'AWS_ENDPOINT_URL_S3',
        'AWS_REGION',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
      ]),
    );
    expect(worker.MLOOP_PII_HASH_KEY).toBeDefined();
  });

  it('points the database, the queue and the artifact store at the services it starts, with matching credentials', () => {
    const server = env('server');
    const database = new URL(server.MLOOP_DATABASE_URL ?? '');
    expect(database.protocol).toBe('postgres:');
    expect(services[database.hostname]).toBeDefined();
    const postgres = env(database.hostname);
    expect([database.username, database.password, database.pathname.slice(1)]).toEqual([
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      postgres.POSTGRES_DB,
    ]);
    expect(services[new URL(server.MLOOP_REDIS_URL ?? '').hostname]).toBeDefined();
    const s3 = new URL(server.AWS_ENDPOINT_URL_S3 ?? '');
    expect(services[s3.hostname]).toBeDefined();
    expect([server.AWS_ACCESS_KEY_ID, server.AWS_SECRET_ACCESS_KEY]).toEqual([
      env(s3.hostname).MINIO_ROOT_USER,
      env(s3.hostname).MINIO_ROOT_PASSWORD,
    ]);
    const bucket = new URL(server.MLOOP_ARTIFACT_ROOT ?? '').hostname;
    expect(JSON.stringify(services['minio-bucket']?.command)).toContain(
      `mc mb --ignore-existing store/${bucket}`,
    );
    expect(server.MLOOP_S3_FORCE_PATH_STYLE).toBe('true');
  });
});
