import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { DatasetValidationsClient } from '../../src/sdk/dataset-validations.js';
import { HttpClient } from '../../src/sdk/http.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { customersSql, duckDbCopy } from './validation-files.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (cwd: string, args: string[]) => runMloop(cwd, args, { home: join(cwd, '.mloop') });

describe('dataset validation against a server (SDK and mloop --url)', () => {
  const home = tempDir('mloop-validation-server-');
  const work = tempDir('mloop-validation-client-');
  let server: ServerProcess;

  beforeAll(async () => {
    const file = join(home, 'customers.csv');
    await duckDbCopy(`COPY (${customersSql()}) TO '${file}' (HEADER)`);
    const platform = await openPlatform(loadConfig({ home }, {}, home));
    await platform.data.datasets.add('customers', file);
    await platform.close();
    server = await startServer({ home });
  });
  afterAll(() => server?.stop());

  it('suggests, validates and lists through the SDK', async () => {
    const client = new DatasetValidationsClient(new HttpClient({ url: server.url }));
    const suite = await client.suggest('customers/1');
    const record = await client.validate('customers/1', suite, { require: true });
    expect(record).toMatchObject({ dataset: 'customers', version: 1, passed: true });
    expect((await client.list('customers/1')).map((r) => r.id)).toEqual([record.id]);
    expect((await client.requiredSuite('customers'))?.suiteDigest).toBe(record.suiteDigest);
  });

  it('runs mloop data validate --url with exit code 1 on failure', async () => {
    writeFileSync(join(work, 'strict.yaml'), 'checks:\n  - column: age\n    range: {max: 50}\n');
    const failed = await mloop(work, [
      'data',
      'validate',
      'customers/1',
      '--suite',
      'strict.yaml',
      '--url',
      server.url,
    ]);
    expect(failed.stderr).toBe('');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('customers/1 (200 rows): 1 of 1 checks failed (age range).');
  });
});
