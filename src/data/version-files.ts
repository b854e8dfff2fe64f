import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { invalidParameter, MloopError } from '../core/errors.js';
import { sha256OfFile } from '../core/hashing.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import { quoteLiteral, withDuckDb } from '../store/duckdb.js';
import { readTableSql } from '../store/duckdb-read.js';
import { formatOfPath } from './source-files.js';
import type { DatasetFormat, DatasetVersion } from './types.js';

/**
 * A version's files on this machine, where DuckDB can read them. The artifact store may be
 * remote, so files are copied once into a cache keyed by digest (content never changes under
 * a digest, so a cached copy of the right size is the right copy).
 */
export class VersionFiles {
  constructor(
    private readonly store: ArtifactStore,
    private readonly cacheDir: string,
  ) {}

  /** Absolute paths of the version's files, in the version's order. */
  async localFiles(version: DatasetVersion): Promise<string[]> {
    const dir = resolve(this.cacheDir, version.name, version.digest);
    const paths: string[] = [];
    for (const file of version.files) {
      const target = join(dir, ...file.path.split('/'));
      const cached = await stat(target).catch(() => undefined);
      if (cached?.size !== file.size)
        await this.download(`${version.storagePath}/${file.path}`, target, file.sha256);
      paths.push(target);
    }
    return paths;
  }

  /** One path DuckDB reads the whole version from: the file, or a glob over the directory. */
  async localPath(version: DatasetVersion): Promise<string> {
    const paths = await this.localFiles(version);
    if (version.files.length === 1 && !version.files[0]!.path.includes('/')) return paths[0]!;
    const extensions = new Set(version.files.map((f) => extname(f.path)));
    const pattern = extensions.size === 1 ? `*${[...extensions][0]}` : '*';
    return join(this.cacheDir, version.name, version.digest, '**', pattern);
  }

  /**
   * Writes the version to `output`: its very bytes when it is one file of the asked format,
   * otherwise rows converted by DuckDB (several files become one).
   */
  async materialise(version: DatasetVersion, output: string, format?: DatasetFormat): Promise<DatasetFormat> {
    const target = format ?? formatOfPath(output) ?? version.format;
    await mkdir(dirname(resolve(output)), { recursive: true });
    if (target === version.format && version.files.length === 1) {
      const only = version.files[0]!;
      await this.download(`${version.storagePath}/${only.path}`, output, only.sha256);
      return target;
    }
    await convertFiles(version.format, await this.localFiles(version), output, target);
    return target;
  }

  /** Copies a stored file to `target`, checked against the sha256 recorded when the version was added. */
  private async download(path: string, target: string, sha256: string): Promise<void> {
    const file = await this.store.get(path);
    if (!file) {
      throw new MloopError('INTERNAL_ERROR', `the artifact store has lost ${path}: restore it from a backup`);
    }
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await pipeline(file.stream, createWriteStream(temp));
      const actual = sha256 ? await sha256OfFile(temp) : sha256;
      if (actual !== sha256) {
        // A changed object in a bucket (or a cut download) must not become a cached version.
        throw new MloopError(
          'INTERNAL_ERROR',
          `the artifact store's ${path} differs from the dataset version it belongs to (sha256 ${actual}, recorded ${sha256}): restore it from a backup`,
        );
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      if (
        (error as NodeJS.ErrnoException).code === 'ENOENT' ||
        (error as NodeJS.ErrnoException).code === 'EACCES'
      ) {
        throw invalidParameter('output', `cannot write ${target}: ${(error as Error).message}`);
      }
      throw error;
    }
  }
}

/** Writes the rows of `paths` (all of format `from`) to one file of format `to`, with DuckDB. */
export async function convertFiles(
  from: DatasetFormat,
  paths: string[],
  output: string,
  to: DatasetFormat,
): Promise<void> {
  const options =
    to === 'parquet' ? 'FORMAT parquet' : to === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT json';
  await withDuckDb(async (connection) => {
    await connection.run(
      `COPY (SELECT * FROM ${readTableSql(from, paths)}) TO ${quoteLiteral(resolve(output))} (${options})`,
    );
  });
}
