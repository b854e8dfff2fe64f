import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseSuite } from '../../src/data/validation/suite.js';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { openArtifactStore } from '../../src/store/artifacts/open-artifact-store.js';
import type { ArtifactStore } from '../../src/store/artifacts/artifact-store.js';
import { smallCsv, writeText } from '../data/dataset-files.js';
import { trainedRun, unique } from '../registry/model-factories.js';
import { storeDialects } from '../helpers/platform.js';
import { freshPostgresUrl } from '../helpers/postgres.js';
import { describeWithS3, startS3Server, type S3Server } from '../helpers/s3-server.js';
import { tempDir } from '../helpers/tmp.js';
import { describe } from 'vitest';

// Two processes' views of one deployment: both share the database and the bucket, each has its
// own home (so its own local cache). What one writes, the other must read through the bucket.
describeWithS3('datasets, registration and serving on an S3 artifact root', () => {
  let s3: S3Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server();
    // openPlatform reads the AWS variables from the environment, as a server process does.
    Object.assign(process.env, s3.env);
  }, 60_000);
  afterAll(async () => {
    process.env = saved;
    await s3?.stop();
  });

  for (const dialect of storeDialects()) {
    describe(`[${dialect}]`, () => {
      let root: string;
      let writer: Platform;
      let reader: Platform;
      let bucket: ArtifactStore;

      beforeAll(async () => {
        root = await s3.newRoot('mloop');
        const databaseUrl =
          dialect === 'sqlite'
            ? `sqlite:${join(tempDir('mloop-s3-db-'), 'mloop.db')}`
            : await freshPostgresUrl();
        const open = () =>
          openPlatform(
            loadConfig(
              { home: tempDir('mloop-s3-home-'), databaseUrl, artifactRoot: root, s3ForcePathStyle: true },
              {},
            ),
          );
        writer = await open();
        reader = await open();
        bucket = await openArtifactStore(root, { s3ForcePathStyle: true });
      }, 60_000);
      afterAll(async () => {
        await writer?.close();
        await reader?.close();
      });

      it('adds dataset versions to the bucket; another process profiles and validates them (drift included) from it', async () => {
        const dir = tempDir('mloop-s3-data-');
        const name = unique('people');
        const first = await writer.data.datasets.add(name, writeText(dir, 'a.csv', smallCsv));
        // Every age older than every age of version 1: a two-sample KS test must flag it.
        const shifted = smallCsv.replace(
          /^(\d),(\d+),/gm,
          (_, id: string, age: string) => `${id},${Number(age) + 60},`,
        );
        await writer.data.datasets.add(name, writeText(dir, 'b.csv', shifted));
        const stored = await bucket.list(first.version.storagePath);
        expect(stored.map((e) => e.path)).toEqual([`${first.version.storagePath}/a.csv`]);

        const version = await reader.data.datasets.get(`${name}/1`);
        expect(version.digest).toBe(first.version.digest);
        expect(version.profile.columns.find((c) => c.name === 'age')).toMatchObject({ min: 20, max: 60 });
        const record = await reader.data.validation.validate(
          `${name}/2`,
          parseSuite({
            checks: [
              { column: 'age', distribution: { reference: `${name}/1`, test: 'ks' } },
              { column: 'city', type: 'string' },
            ],
          }),
        );
        expect(record.passed).toBe(false);
        expect(record.summary).toContain('age distribution');
        const same = await reader.data.validation.validate(
          `${name}/1`,
          parseSuite({
            checks: [{ column: 'age', distribution: { reference: `${name}/1`, test: 'ks' } }],
          }),
        );
        expect(same.passed).toBe(true);
        // Downloads stream the bucket's object.
        const download = await reader.data.datasets.openFile(`${name}/1`);
        let text = '';
        for await (const chunk of download.stream) text += String(chunk);
        expect(text).toBe(smallCsv);
      });

      it('refuses a dataset object changed in the bucket rather than cache it as the version', async () => {
        const name = unique('changed');
        const added = await writer.data.datasets.add(
          name,
          writeText(tempDir('mloop-s3-data-'), 'a.csv', smallCsv),
        );
        await bucket.put(
          `${added.version.storagePath}/a.csv`,
          Buffer.from(smallCsv.replace('Paris', 'Porto')),
        );
        await expect(
          reader.data.validation.validate(
            `${name}/1`,
            parseSuite({ checks: [{ column: 'city', type: 'string' }] }),
          ),
        ).rejects.toThrow(/differs from the dataset version it belongs to/);
      });

      it("copies a registered version's files into the bucket; another process serves them", async () => {
        const name = unique('model');
        await writer.registry.models.create({ name });
        const { runId } = await trainedRun(writer);
        const version = await writer.registry.versions.create({ name, source: `runs:/${runId}/model` });
        const files = await bucket.list(version.storagePath);
        expect(files.map((f) => f.path).sort()).toEqual(
          ['mloop-model.json', 'model.onnx'].map((file) => `${version.storagePath}/${file}`),
        );

        const result = await reader.serving.predictions.predict({
          ref: `${name}/${version.version}`,
          records: [{ a: 1, b: 2 }],
        });
        expect(result.version).toBe(version.version);
        expect(result.predictions).toHaveLength(1);
      });
    });
  }
});
