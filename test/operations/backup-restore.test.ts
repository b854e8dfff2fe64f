import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { smallCsv, writeText } from '../data/dataset-files.js';
import { runMloop } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { trainedRun, unique } from '../registry/model-factories.js';

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  let result = '';
  for await (const chunk of stream) result += String(chunk);
  return result;
}

describe('mloop backup and mloop restore', () => {
  let source: Platform;
  let home: string;
  let backup: string;
  const made = { runId: '', model: '', dataset: '' };

  beforeAll(async () => {
    home = tempDir('mloop-backup-home-');
    source = await openPlatform(loadConfig({ home }, {}));
    const { runId } = await trainedRun(source);
    await source.tracking.artifacts.putForRun(runId, 'notes.txt', Buffer.from('kept across machines'));
    made.runId = runId;
    made.model = unique('model');
    await source.registry.models.create({ name: made.model });
    await source.registry.versions.create({ name: made.model, source: `runs:/${runId}/model` });
    made.dataset = unique('people');
    await source.data.datasets.add(made.dataset, writeText(tempDir('backup-data-'), 'a.csv', smallCsv));
    backup = join(tempDir('mloop-backups-'), 'today');
  });
  afterAll(() => source?.close());

  it('backs up a store that a process holds open, and restores it on a fresh home where it works', async () => {
    // The source platform stays open: its latest writes may sit in SQLite's WAL, not yet in mloop.db.
    const made1 = await runMloop(home, ['backup', backup, '--json']);
    expect(made1.code, made1.stderr).toBe(0);
    const manifest = JSON.parse(made1.stdout) as { artifacts: { files: number }; homeFiles: string[] };
    expect(manifest.artifacts.files).toBe(6); // 3 run files, 2 registry copies, 1 dataset file
    expect(manifest.homeFiles).toContain('pii-hash-key');

    const fresh = tempDir('mloop-restored-home-');
    const restored = await runMloop(fresh, ['restore', backup]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/restored into .*: database .*, 6 artifact files .* verified by sha256/);
    expect(readFileSync(join(fresh, 'pii-hash-key'))).toEqual(readFileSync(join(home, 'pii-hash-key')));

    const copy = await openPlatform(loadConfig({ home: fresh }, {}));
    try {
      const notes = await copy.tracking.artifacts.getForRun(made.runId, 'notes.txt');
      expect(await text(notes.stream)).toBe('kept across machines');
      const scored = await copy.serving.predictions.predict({
        ref: `${made.model}/1`,
        records: [{ a: 1, b: 2 }],
      });
      expect(scored.predictions).toHaveLength(1);
      const file = await copy.data.datasets.openFile(`${made.dataset}/1`);
      expect(await text(file.stream)).toBe(smallCsv);
    } finally {
      await copy.close();
    }

    // Restoring again would overwrite a store: refused, as a conflict.
    const again = await runMloop(fresh, ['restore', backup]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/exists: restore into a fresh home/);
  });

  it('refuses a non-empty backup directory and a damaged backup', async () => {
    const into = await runMloop(home, ['backup', backup]);
    expect(into.code).toBe(5);
    const damaged = join(tempDir('mloop-damaged-'), 'b');
    expect((await runMloop(home, ['backup', damaged])).code).toBe(0);
    appendFileSync(join(damaged, 'mloop.db'), 'x');
    const fresh = tempDir('mloop-restored-home-');
    const refused = await runMloop(fresh, ['restore', damaged]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/damaged/);
    expect(existsSync(join(fresh, 'mloop.db'))).toBe(false);
  });
});
