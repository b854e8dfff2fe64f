import { noAuditTrail, type AuditTrail } from '../core/audit-trail.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import { invalidParameter, isMloopError, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { PiiMode } from '../core/pii-mode.js';
import type { ArtifactStore } from '../store/artifacts/artifact-store.js';
import { withDuckDb } from '../store/duckdb.js';
import { diffVersions, type DatasetDiff } from './dataset-diff.js';
import { checkDatasetName, parseDatasetRef } from './dataset-ref.js';
import { profileDataset } from './profile.js';
import { loadDataset } from './read-file.js';
import { readSourceFiles, type ProgressListener, type SourceFiles } from './source-files.js';
import type { DatasetTables, DatasetVersionRow } from './tables.js';
import type { AddedVersion, Dataset, DatasetFormat, DatasetVersion, DatasetVersionSummary } from './types.js';
import { VersionFiles } from './version-files.js';

export interface AddDatasetOptions {
  /** Taken from the file name when omitted. */
  format?: DatasetFormat;
  /** Where the data came from (a URL, a query, a pipeline step), for people. */
  source?: string;
  /** The version this one derives from; the latest version when omitted. */
  parentVersion?: number;
  description?: string;
  createdBy?: string;
  tags?: Record<string, string>;
  onProgress?: ProgressListener;
  /** What messages call the data (default: its path). */
  label?: string;
  /** Columns holding personal data (each must be a column of the data), and how to keep them out of logs. */
  pii?: Record<string, PiiMode>;
}

export interface DatasetServiceDeps {
  db: Kysely<DatasetTables>;
  store: ArtifactStore;
  clock: Clock;
  /** Local directory for versions copied out of the artifact store and for uploads in flight. */
  cacheDir: string;
  /** Told of each new version ('data.version-added'), so pipelines can retrain on new data. */
  events?: EventBus;
  /** Where each new version is recorded, whoever adds it. */
  audit?: AuditTrail;
}

/**
 * Versioned datasets: immutable, content-addressed versions of a CSV, Parquet or JSON-lines
 * file (or a directory of them) with schema and profile, numbered 1, 2, 3… per name.
 */
export class DatasetService {
  private readonly db: Kysely<DatasetTables>;
  private readonly store: ArtifactStore;
  private readonly clock: Clock;
  private readonly cacheDir: string;
  private readonly files: VersionFiles;
  private readonly events: EventBus | undefined;
  private readonly audit: AuditTrail;

  constructor(deps: DatasetServiceDeps) {
    this.db = deps.db;
    this.store = deps.store;
    this.clock = deps.clock;
    this.cacheDir = deps.cacheDir;
    this.events = deps.events;
    this.audit = deps.audit ?? noAuditTrail;
    this.files = new VersionFiles(deps.store, join(deps.cacheDir, 'datasets'));
  }

  /**
   * Adds a file or directory as the dataset's next version, or finds the version that already
   * holds these bytes (`created: false`). Bad input fails before anything is stored.
   */
  async add(name: string, path: string, options: AddDatasetOptions = {}): Promise<AddedVersion> {
    checkDatasetName(name);
    const source = await readSourceFiles(path, {
      ...(options.format ? { format: options.format } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.label ? { label: options.label } : {}),
    });
    const existing = await this.findByDigest(name, source.digest);
    if (existing) return { version: checkSamePii(existing, options.pii), created: false };
    if (options.parentVersion !== undefined) await this.get(`${name}/${options.parentVersion}`);
    const { schema, profile } = await withDuckDb(async (connection) => {
      const schema = await loadDataset(
        connection,
        source.format,
        source.files.map((f) => f.absolutePath),
        options.label ?? path,
      );
      return { schema, profile: await profileDataset(connection, schema) };
    });
    checkPiiColumns(options.pii, schema);
    const storagePath = `datasets/${name}/${source.digest}`;
    try {
      for (const file of source.files) {
        await this.store.put(`${storagePath}/${file.path}`, createReadStream(file.absolutePath));
      }
      const added = await this.insert(name, source, storagePath, schema, profile, options);
      if (added.created) {
        const { version, digest } = added.version;
        this.events?.emit('data.version-added', { name, version, digest });
        await this.audit.record({
          kind: 'dataset',
          action: 'dataset.version-add',
          objectKind: 'dataset',
          objectId: `${name}/${version}`,
          after: {
            digest,
            rows: added.version.rowCount,
            ...(options.source ? { source: options.source } : {}),
          },
        });
      }
      return added;
    } catch (error) {
      // Nothing half-made stays behind: the files go unless a version (a concurrent add of the same bytes) holds them.
      if (!(await this.findByDigest(name, source.digest))) await this.store.delete(storagePath);
      throw error;
    }
  }

  /** Adds uploaded bytes (the API's way in): spooled to a local file first, as DuckDB reads files. */
  async addStream(
    name: string,
    body: Readable,
    options: AddDatasetOptions & { format: DatasetFormat },
  ): Promise<AddedVersion> {
    checkDatasetName(name);
    const dir = join(this.cacheDir, 'uploads', newId('upload'));
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${name}.${options.format}`);
    try {
      await pipeline(body, createWriteStream(file));
      return await this.add(name, file, { label: 'the uploaded file', ...options });
    } catch (error) {
      // The upload is the request's body, not a path the caller gave.
      if (isMloopError(error) && error.field === 'path') throw invalidParameter('body', error.message);
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The version a ref names: `NAME`, `NAME@latest`, `NAME/3` or `NAME@<digest prefix>`. */
  async get(ref: string): Promise<DatasetVersion> {
    const parsed = parseDatasetRef(ref);
    let query = this.db.selectFrom('dataset_versions').selectAll().where('name', '=', parsed.name);
    if (parsed.kind === 'version') query = query.where('version', '=', parsed.version);
    if (parsed.kind === 'digest') query = query.where('digest', 'like', `${parsed.digestPrefix}%`);
    const rows = await query.orderBy('version', 'desc').limit(2).execute();
    if (parsed.kind === 'digest' && rows.length > 1) {
      throw invalidParameter(
        'ref',
        `"${ref}" matches more than one version of ${parsed.name}: give more of the digest`,
      );
    }
    const row = rows[0];
    if (!row) {
      throw notFound(
        parsed.kind === 'latest'
          ? `No dataset named "${parsed.name}"`
          : `No version ${ref} of dataset "${parsed.name}"`,
      );
    }
    return toVersion(row);
  }

  /** Every dataset with its latest version number, by name. */
  async list(): Promise<Dataset[]> {
    const rows = await this.db.selectFrom('dataset_names').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      name: r.name,
      ...(r.description ? { description: r.description } : {}),
      createdAt: Number(r.created_at),
      latestVersion: Number(r.last_version),
    }));
  }

  /** A dataset's versions, newest first, without profiles. */
  async listVersions(name: string): Promise<DatasetVersionSummary[]> {
    checkDatasetName(name);
    const rows = await this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('name', '=', name)
      .orderBy('version', 'desc')
      .execute();
    if (rows.length === 0) throw notFound(`No dataset named "${name}"`);
    return rows.map((r) => {
      const { profile: _profile, files: _files, ...summary } = toVersion(r);
      return summary;
    });
  }

  /** Schema changes, row counts and profile shifts from version `a` to version `b`. */
  async diff(a: string, b: string): Promise<DatasetDiff> {
    return diffVersions(await this.get(a), await this.get(b));
  }

  /** Writes a version to a file, as its original bytes or converted to another format. */
  async materialise(
    ref: string,
    output: string,
    format?: DatasetFormat,
  ): Promise<{ version: DatasetVersion; format: DatasetFormat }> {
    const version = await this.get(ref);
    return { version, format: await this.files.materialise(version, output, format) };
  }

  /** A path DuckDB can read the version from (a file, or a glob over a directory's files). */
  async localPath(ref: string): Promise<{ version: DatasetVersion; path: string }> {
    const version = await this.get(ref);
    return { version, path: await this.files.localPath(version) };
  }

  /** A stream of a single-file version's bytes, for downloads. */
  async openFile(ref: string): Promise<{ version: DatasetVersion; stream: Readable; size: number }> {
    const version = await this.get(ref);
    if (version.files.length !== 1) {
      throw invalidParameter(
        'ref',
        `${version.name}/${version.version} has ${version.files.length} files: materialise it to one file instead`,
      );
    }
    const file = await this.store.get(`${version.storagePath}/${version.files[0]!.path}`);
    if (!file)
      throw notFound(`The files of ${version.name}/${version.version} are missing from the artifact store`);
    return { version, ...file };
  }

  private async findByDigest(name: string, digest: string): Promise<DatasetVersion | undefined> {
    const row = await this.db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('name', '=', name)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row ? toVersion(row) : undefined;
  }

  private async insert(
    name: string,
    source: SourceFiles,
    storagePath: string,
    schema: DatasetVersion['schema'],
    profile: DatasetVersion['profile'],
    options: AddDatasetOptions,
  ): Promise<AddedVersion> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('dataset_names')
        .values({ name, description: options.description ?? null, created_at: now, last_version: 0 })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      // Bumping the counter locks the dataset's row: concurrent adds get 1, 2, 3… in turn, and the
      // digest check below sees any version a concurrent add of the same bytes committed.
      const counted = await tx
        .updateTable('dataset_names')
        .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
        .where('name', '=', name)
        .returning('last_version')
        .executeTakeFirstOrThrow();
      const same = await tx
        .selectFrom('dataset_versions')
        .selectAll()
        .where('name', '=', name)
        .where('digest', '=', source.digest)
        .executeTakeFirst();
      if (same) {
        await tx
          .updateTable('dataset_names')
          .set((eb) => ({ last_version: eb('last_version', '-', 1) }))
          .where('name', '=', name)
          .execute();
        return { version: checkSamePii(toVersion(same), options.pii), created: false };
      }
      const number = Number(counted.last_version);
      const parent = options.parentVersion ?? (number > 1 ? await latestVersion(tx, name) : undefined);
      const row: DatasetVersionRow = {
        name,
        version: number,
        digest: source.digest,
        format: source.format,
        schema: JSON.stringify(schema),
        row_count: profile.rowCount,
        size_bytes: source.sizeBytes,
        files: JSON.stringify(source.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }))),
        storage_path: storagePath,
        source: options.source ?? null,
        parent_version: parent ?? null,
        profile: JSON.stringify(profile),
        created_at: now,
        created_by: options.createdBy ?? null,
        tags: options.tags && Object.keys(options.tags).length > 0 ? JSON.stringify(options.tags) : null,
        pii: options.pii && Object.keys(options.pii).length > 0 ? JSON.stringify(options.pii) : null,
      };
      await tx.insertInto('dataset_versions').values(row).execute();
      return { version: toVersion(row), created: true };
    });
  }
}

async function latestVersion(tx: Kysely<DatasetTables>, name: string): Promise<number | undefined> {
  const row = await tx
    .selectFrom('dataset_versions')
    .select((eb) => eb.fn.max('version').as('latest'))
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.latest === null || row?.latest === undefined ? undefined : Number(row.latest);
}

function toVersion(row: DatasetVersionRow): DatasetVersion {
  return {
    name: row.name,
    version: Number(row.version),
    digest: row.digest,
    format: row.format as DatasetFormat,
    schema: JSON.parse(row.schema) as DatasetVersion['schema'],
    rowCount: Number(row.row_count),
    sizeBytes: Number(row.size_bytes),
    files: JSON.parse(row.files) as DatasetVersion['files'],
    storagePath: row.storage_path,
    ...(row.source ? { source: row.source } : {}),
    ...(row.parent_version !== null ? { parentVersion: Number(row.parent_version) } : {}),
    profile: JSON.parse(row.profile) as DatasetVersion['profile'],
    createdAt: Number(row.created_at),
    ...(row.created_by ? { createdBy: row.created_by } : {}),
    tags: row.tags ? (JSON.parse(row.tags) as Record<string, string>) : {},
    ...(row.pii ? { pii: JSON.parse(row.pii) as Record<string, PiiMode> } : {}),
  };
}

/** Every personal column must be one of the data's, so a typo never leaves a column unprotected. */
function checkPiiColumns(pii: Record<string, PiiMode> | undefined, schema: DatasetVersion['schema']): void {
  const columns = new Set(schema.map((c) => c.name));
  for (const name of Object.keys(pii ?? {})) {
    if (!columns.has(name)) {
      throw invalidParameter(
        'pii',
        `no column "${name}" in the data to mark personal (columns: ${[...columns].join(', ')})`,
      );
    }
  }
}

/**
 * The same bytes find the existing version; its personal columns are part of what it is (models were
 * trained on that marking), so a different marking is refused rather than silently ignored.
 */
function checkSamePii(version: DatasetVersion, pii: Record<string, PiiMode> | undefined): DatasetVersion {
  if (pii === undefined) return version;
  const key = (p: Record<string, PiiMode> | undefined) => JSON.stringify(Object.entries(p ?? {}).sort());
  if (key(pii) !== key(version.pii)) {
    throw invalidParameter(
      'pii',
      `these bytes are already ${version.name}/${version.version}, whose personal columns (${describePii(version.pii)}) cannot change: add the data under another name to mark them differently`,
    );
  }
  return version;
}

function describePii(pii: Record<string, PiiMode> | undefined): string {
  const entries = Object.entries(pii ?? {});
  return entries.length === 0 ? 'none' : entries.map(([c, m]) => `${c}:${m}`).join(', ');
}
