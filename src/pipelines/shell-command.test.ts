import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { until } from '../../test/helpers/poll.js';
import { runCommand } from './shell-command.js';
import { processExists as alive } from '../core/process-exists.js';

const built = resolve('dist/pipelines/shell-command.js');

describe('shell steps', () => {
  it.skipIf(!existsSync(built))(
    'end with the process running them, even when it is killed with SIGKILL',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mloop-shell-'));
      const pidFile = join(dir, 'pid');
      // A process standing in for a server: it runs a step that starts a long grandchild.
      const script = `import(${JSON.stringify(pathToFileURL(built).href)}).then((m) => m.runCommand(
        ${JSON.stringify(`sleep 300 & echo $! > ${pidFile}; wait`)},
        { cwd: ${JSON.stringify(dir)}, timeoutMs: undefined, signal: new AbortController().signal, onOutput() {} }))`;
      const server = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', {
        what: 'the step to start its grandchild',
      });
      const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
      expect(alive(grandchild)).toBe(true);
      server.kill('SIGKILL');
      await until(() => !alive(grandchild), { what: 'the grandchild to end with its server' });
    },
    20_000,
  );

  it('keeps the command exit status and output', async () => {
    const output: string[] = [];
    const outcome = await runCommand('echo hello; exit 3', {
      cwd: tmpdir(),
      timeoutMs: 10_000,
      signal: new AbortController().signal,
      onOutput: (t) => output.push(t),
    });
    expect(outcome).toMatchObject({ exitCode: 3, timedOut: false, cancelled: false });
    expect(output.join('')).toBe('hello\n');
  });

  it('stops the command and what it started on timeout, without waiting for the grandchild', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mloop-shell-'));
    const pidFile = join(dir, 'pid');
    const started = Date.now();
    const outcome = await runCommand(`sleep 300 & echo $! > ${pidFile}; wait`, {
      cwd: dir,
      timeoutMs: 500,
      signal: new AbortController().signal,
      onOutput: () => undefined,
    });
    expect(outcome.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
    await until(() => !alive(grandchild), { what: 'the grandchild to end on timeout' });
  });
});
