import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { seededRandom } from '../../src/core/random.js';
import { openPlatform } from '../../src/platform.js';
import { tempDir } from '../helpers/tmp.js';
import { runMloop } from '../helpers/cli.js';

const mloop = (home: string, args: string[]) =>
  runMloop(home, args, { home: join(home, '.mloop'), unset: ['MLOOP_PII_HASH_KEY'] });

describe('training on a dataset version with personal columns', { timeout: 240_000 }, () => {
  let home: string;

  beforeAll(() => {
    home = tempDir('mloop-train-pii-');
    const random = seededRandom(7);
    const lines = ['customer,size,color,bought'];
    for (let i = 0; i < 120; i++) {
      const size = Math.round(random() * 100);
      const color = ['red', 'blue'][Math.floor(random() * 2)]!;
      const bought = size + (color === 'red' ? 20 : 0) + random() * 20 > 60 ? 'yes' : 'no';
      lines.push(`c-${i % 30},${size},${color},${bought}`);
    }
    writeFileSync(join(home, 'shop.csv'), `${lines.join('\n')}\n`);
  });

  it('marks those inputs in the model signature, and serving keeps them out of the log', async () => {
    const added = await mloop(home, ['data', 'add', 'shop', 'shop.csv', '--pii', 'color,customer:hash']);
    expect(added.code).toBe(0);
    const trained = await mloop(home, [
      'train',
      ...['--data', 'shop/1', '--label', 'bought', '--model', 'logistic', '--register', 'shop', '--json'],
    ]);
    expect(trained.stderr).toBe('');
    expect(JSON.parse(trained.stdout).registered).toEqual({ name: 'shop', version: 1 });
    const shown = await mloop(home, ['models', 'show', 'shop/1']);
    expect(shown.stdout).toMatch(/customer \(pii: hashed\)/);
    expect(shown.stdout).toMatch(/color \(pii\)/);

    const platform = await openPlatform(loadConfig({ home: join(home, '.mloop') }, {}));
    try {
      const version = await platform.registry.versions.get('shop', 1);
      const inputs = version.metadata?.inputs ?? [];
      expect(inputs.find((f) => f.name === 'color')?.pii).toBe('redact');
      expect(inputs.find((f) => f.name === 'customer')?.pii).toBe('hash');
      expect(inputs.find((f) => f.name === 'size')?.pii).toBeUndefined();
      // MLflow's input example beside the model holds no one's personal values.
      const example = await platform.tracking.artifacts.getForRun(version.runId!, 'model/input_example.json');
      const chunks: Buffer[] = [];
      for await (const chunk of example.stream) chunks.push(chunk as Buffer);
      const split = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        columns: string[];
        data: unknown[][];
      };
      const row = Object.fromEntries(split.columns.map((c, i) => [c, split.data[0]?.[i]]));
      expect(row).toMatchObject({ customer: '', color: '', size: expect.any(Number) });

      // No extra step: the registered model redacts and hashes as soon as it is served.
      const record = { customer: 'c-3', size: 80, color: 'red' };
      const result = await platform.serving.predictions.predict({ ref: 'shop/1', records: [record] });
      await platform.serving.log.flush();
      const logged = await platform.serving.log.get(result.predictions[0]!.id);
      expect(logged.inputs).toMatchObject({ size: 80, color: '[redacted]' });
      expect(logged.inputs.customer).toMatch(/^hmac:[0-9a-f]{32}$/);
    } finally {
      await platform.close();
    }
  });
});
