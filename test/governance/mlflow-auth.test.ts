import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPython, pythonPath } from '../helpers/python.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>, cwd: string): Promise<Ran> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MLFLOW_') && !k.startsWith('MLOOP_')),
  );
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...clean, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const mloop = (args: string[], env: Record<string, string>, cwd: string) =>
  run(process.execPath, [CLI, ...args], env, cwd);

// Logs one run with the real mlflow client; prints the run id.
const LOG_A_RUN = `
import mlflow
mlflow.set_experiment("auth-check")
with mlflow.start_run() as run:
    mlflow.log_param("lr", 0.1)
    mlflow.log_metric("acc", 0.9)
print(run.info.run_id)
`;
import { CLI } from '../helpers/cli.js';

describe('tokens on a server that requires them', () => {
  let home: string;
  let server: ServerProcess;
  let admin: string;
  let alice: string;

  beforeAll(async () => {
    home = tempDir('mloop-auth-e2e-');
    // The first token is made on the embedded store, before the server has any.
    const bootstrap = await mloop(
      ['tokens', 'create', 'root', '--admin', '--json'],
      { MLOOP_HOME: home },
      home,
    );
    expect(bootstrap.code, bootstrap.stderr).toBe(0);
    admin = (JSON.parse(bootstrap.stdout) as { secret: string }).secret;
    expect(admin).toMatch(/^mlp_[\w-]{43}$/);
    server = await startServer({ home, args: ['--auth', 'on'] });
    const created = await mloop(
      ['tokens', 'create', 'alice', '--role', 'editor', '--json'],
      { MLOOP_URL: server.url, MLOOP_TOKEN: admin },
      home,
    );
    expect(created.code, created.stderr).toBe(0);
    alice = (JSON.parse(created.stdout) as { secret: string }).secret;
  });
  afterAll(async () => server?.stop());

  it('refuses the CLI without a token (exit 7) and says what to do', async () => {
    const refused = await mloop(['tokens', 'list'], { MLOOP_URL: server.url }, home);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/requires a token/);
  });

  it('never shows a secret again, and never writes one to the server log', async () => {
    const listed = await mloop(
      ['tokens', 'list', '--json'],
      { MLOOP_URL: server.url, MLOOP_TOKEN: admin },
      home,
    );
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('alice');
    expect(listed.stdout).not.toContain(alice);
    expect(server.output()).not.toContain(alice);
  });

  it('audits the token creation and verifies the chain over HTTP', async () => {
    const env = { MLOOP_URL: server.url, MLOOP_TOKEN: admin };
    const entries = await mloop(['audit', '--actor', 'root', '--json'], env, home);
    expect(entries.code, entries.stderr).toBe(0);
    const parsed = JSON.parse(entries.stdout) as { action: string; path: string }[];
    expect(parsed.map((e) => e.path)).toContain('/api/v1/tokens');
    const verified = await mloop(['audit', 'verify'], env, home);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/intact/);
  });

  describeWithPython('the real mlflow client', () => {
    // Three Python processes, each importing mlflow (10–20 s apiece on a loaded two-core machine):
    // the default 60 s is too short for the work, not a sign of a hang. The client fails fast
    // (no retries), so a refusal surfaces at once rather than after its backoff.
    it(
      'logs with MLFLOW_TRACKING_TOKEN, with basic auth (password = token), and is refused without',
      {
        timeout: 240_000,
      },
      async () => {
        const python = (env: Record<string, string>) =>
          run(
            pythonPath(),
            ['-c', LOG_A_RUN],
            { MLFLOW_TRACKING_URI: server.url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ...env },
            home,
          );
        const bearer = await python({ MLFLOW_TRACKING_TOKEN: alice });
        expect(bearer.code, bearer.stderr).toBe(0);
        expect(bearer.stdout.trim().split('\n').at(-1)).toMatch(/^[0-9a-f]{32}$/);
        const basic = await python({ MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: alice });
        expect(basic.code, basic.stderr).toBe(0);
        const none = await python({});
        expect(none.code).not.toBe(0);
        expect(none.stderr).toMatch(/401|UNAUTHENTICATED|requires a token/);
      },
    );
  });
});
