import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MloopClient } from '../../src/sdk/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { unique } from '../registry/model-factories.js';
import { smallCsv, writeText } from './dataset-files.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) => runMloop(home, args);

describe('personal columns of dataset versions', { timeout: 240_000 }, () => {
  describe('mloop data add --pii', () => {
    let home: string;
    beforeAll(() => {
      home = tempDir('mloop-data-pii-');
      writeText(home, 'people.csv', smallCsv);
    });

    it('stores the marked columns with their modes and shows them', async () => {
      const added = await mloop(home, [
        'data',
        'add',
        'people',
        'people.csv',
        '--pii',
        'city, id:hash',
        '--json',
      ]);
      expect(added.stderr).toBe('');
      expect(JSON.parse(added.stdout).version.pii).toEqual({ city: 'redact', id: 'hash' });
      const show = await mloop(home, ['data', 'show', 'people/1']);
      expect(show.stdout).toMatch(/personal:\s+city \(redact\), id \(hash\)/);
      expect(JSON.parse((await mloop(home, ['data', 'show', 'people/1', '--json'])).stdout).pii).toEqual({
        city: 'redact',
        id: 'hash',
      });
      // The same bytes with the same marking find the version; a different marking is refused.
      expect((await mloop(home, ['data', 'add', 'people', 'people.csv', '--pii', 'id:hash,city'])).code).toBe(
        0,
      );
      const changed = await mloop(home, ['data', 'add', 'people', 'people.csv', '--pii', 'city']);
      expect(changed.code).toBe(3);
      expect(changed.stderr).toMatch(/already people\/1, whose personal columns \(city:redact, id:hash\)/);
    });

    it('refuses an unknown column or mode with exit code 3, naming it, and stores nothing', async () => {
      const unknown = await mloop(home, ['data', 'add', 'others', 'people.csv', '--pii', 'city,emial']);
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toMatch(/no column "emial".*\(columns: id, age, city, score\)/);
      const mode = await mloop(home, ['data', 'add', 'others', 'people.csv', '--pii', 'city:mask']);
      expect(mode.code).toBe(3);
      expect(mode.stderr).toMatch(/"city:mask": the mode must be redact or hash/);
      expect((await mloop(home, ['data', 'show', 'others/1'])).code).toBe(4);
    });
  });

  describe('over the API and the SDK (real server)', () => {
    let server: ServerProcess;
    let client: MloopClient;
    let dir: string;
    beforeAll(async () => {
      server = await startServer();
      client = new MloopClient({ url: server.url });
      dir = tempDir('mloop-data-pii-api-');
    });
    afterAll(async () => server?.stop());

    it('stores the personal columns given on version creation', async () => {
      const name = unique('people');
      const added = await client.datasets.add(name, writeText(dir, 'people.csv', smallCsv), {
        pii: { city: 'redact', id: 'hash' },
      });
      expect(added.version.pii).toEqual({ city: 'redact', id: 'hash' });
      expect((await client.datasets.get(`${name}/1`)).pii).toEqual({ city: 'redact', id: 'hash' });
    });

    it('answers 400 naming the field and the unknown column', async () => {
      const res = await fetch(
        `${server.url}/api/v1/datasets/${unique('people')}/versions?format=csv&pii=emial`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: smallCsv,
        },
      );
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error_code: string; field: string; message: string };
      expect(body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', field: 'pii' });
      expect(body.message).toMatch(/no column "emial"/);
    });
  });
});
