import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMloop, type CliResult } from './helpers/cli.js';
import { startServer, type ServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/tmp.js';

/** `mloop --help`'s exit-code table, by the words before each meaning's colon: `not found` → 4. */
function helpTable(help: string): Map<string, number> {
  const section = help.split('Exit codes:\n')[1] ?? '';
  const table = new Map<string, number>();
  for (const match of section.matchAll(/^ {2}(\d+) {2}([^:\n]+)/gm))
    table.set(match[2]!.trim(), Number(match[1]));
  return table;
}

describe('exit codes: what --help says is what the CLI returns', () => {
  let home: string;
  let server: ServerProcess;
  const mloop = (args: string[]): Promise<CliResult> => runMloop(home, args, { unset: ['MLOOP_TOKEN'] });

  beforeAll(async () => {
    home = tempDir('mloop-exit-codes-');
    writeFileSync(join(home, 'reference.csv'), `x\n${Array.from({ length: 60 }, (_, i) => i).join('\n')}\n`);
    writeFileSync(
      join(home, 'current.csv'),
      `x\n${Array.from({ length: 60 }, (_, i) => 1000 + i).join('\n')}\n`,
    );
    server = await startServer({ args: ['--auth', 'on'] });
  });
  afterAll(async () => server?.stop());

  it('returns the code the top-level help lists for a real case of each', async () => {
    const help = await mloop(['--help']);
    expect(help.code).toBe(0);
    const table = helpTable(help.stdout);
    // One real failure per row of the table; a row without a case fails the test below.
    const cases: Record<string, () => Promise<CliResult>> = {
      done: () => mloop(['experiments', 'list']),
      failed: () => mloop(['drift', 'reference.csv', 'current.csv', '--fail-on-drift']),
      'bad usage': () => mloop(['experiments', 'list', '--no-such-option']),
      'invalid input': () => mloop(['train', '--data', 'missing.csv', '--label', 'y', '--model', 'logistic']),
      'not found': () => mloop(['models', 'show', 'no-such-model']),
      conflict: async () => {
        await mloop(['experiments', 'create', 'twice']);
        return mloop(['experiments', 'create', 'twice']);
      },
      unavailable: () => mloop(['experiments', 'list', '--url', 'http://127.0.0.1:9']),
      denied: () => mloop(['experiments', 'list', '--url', server.url]),
    };
    expect([...table.keys()].sort()).toEqual(Object.keys(cases).sort());
    for (const [meaning, run] of Object.entries(cases)) {
      const result = await run();
      expect({ meaning, code: result.code, stderr: result.stderr }).toMatchObject({
        meaning,
        code: table.get(meaning),
      });
    }
  });

  it("returns what predict's own help says for a missing input file and an unknown model", async () => {
    const help = (await mloop(['predict', '--help'])).stdout.replace(/\s+/g, ' ');
    const missingFile = Number(/(\d) invalid input \(a missing input file/.exec(help)?.[1]);
    const noModel = Number(/(\d) no such model/.exec(help)?.[1]);
    const missing = await mloop([
      'predict',
      'churn@champion',
      '--input',
      'missing.csv',
      '--output',
      'out.csv',
    ]);
    expect(missing.stderr).toMatch(/missing\.csv/);
    expect(missing.code).toBe(missingFile);
    writeFileSync(join(home, 'rows.csv'), 'x\n1\n');
    const unknown = await mloop(['predict', 'no-such-model', '--input', 'rows.csv', '--output', 'out.csv']);
    expect(unknown.code).toBe(noModel);
  });
});
