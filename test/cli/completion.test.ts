import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandTable } from '../../src/cli/command-table.js';
import { runMloop } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);

describe('mloop completion', () => {
  const dir = tempDir('mloop-completion-');
  const scripts: Record<string, string> = {};

  beforeAll(async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const { code, stdout, stderr } = await runMloop(dir, ['completion', shell]);
      expect(code, stderr).toBe(0);
      scripts[shell] = stdout;
    }
    writeFileSync(join(dir, 'mloop.bash'), scripts.bash!);
  }, 300_000);

  /** What bash offers after the words typed so far (the last one being completed). */
  async function complete(...words: string[]): Promise<string[]> {
    const line = `source ${join(dir, 'mloop.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mloop; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['--norc', '-c', line]);
    return stdout.split('\n').filter(Boolean);
  }

  it('completes top-level commands in bash', async () => {
    expect(await complete('mloop', '')).toEqual(expect.arrayContaining(commandTable.map((e) => e.name)));
    expect(await complete('mloop', 'ser')).toEqual(['server', 'serve']);
    expect(await complete('mloop', 'comp')).toEqual(['completion']);
  });

  it('completes subcommands and options of the command typed so far, past option values', async () => {
    expect(await complete('mloop', 'runs', 'li')).toEqual(['list']);
    expect(await complete('mloop', 'monitor', 'alerts', 'rules', 'e')).toEqual(['enable']);
    expect(await complete('mloop', 'models', 'alias', '--r')).toEqual(['--reason', '--remove']);
    expect(await complete('mloop', 'worker', '--con')).toEqual(['--concurrency']);
    expect(await complete('mloop', 'worker', '--redis', 'redis://q:6379', '--q')).toEqual(['--queue']);
    expect(await complete('mloop', 'server', '--')).toEqual(
      expect.arrayContaining(['--port', '--host', '--help']),
    );
  });

  it('prints zsh and fish scripts over the same commands', () => {
    expect(scripts.zsh).toMatch(/^#compdef mloop$/m);
    expect(scripts.zsh).toContain("'worker:Run pipeline steps sent through Redis");
    expect(scripts.zsh).toMatch(/\(mloop\/runs\) candidates=\(.*'list:/);
    expect(scripts.fish).toContain(
      "complete -c mloop -n 'test (__mloop_path) = mloop' -a worker -d 'Run pipeline steps",
    );
    expect(scripts.fish).toContain(
      "complete -c mloop -n 'test (__mloop_path) = mloop/worker' -l concurrency",
    );
    for (const entry of commandTable) {
      expect(scripts.zsh).toContain(`'${entry.name}:`);
      expect(scripts.fish).toContain(` -a ${entry.name} -d `);
    }
  });

  it('refuses an unknown shell with a usage error', async () => {
    const { code, stderr } = await runMloop(dir, ['completion', 'tcsh']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/bash, zsh, fish/);
  });
});
