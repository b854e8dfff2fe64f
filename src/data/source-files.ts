import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { invalidParameter } from '../core/errors.js';
import { sha256Hex } from '../core/hashing.js';
import { TextFileChecker } from './text-checks.js';
import { datasetFormats, type DatasetFormat } from './types.js';

/** A file of the dataset being added, hashed and checked. */
export interface SourceFile {
  absolutePath: string;
  /** Path inside the version's directory (`/`-separated). */
  path: string;
  size: number;
  sha256: string;
}

export interface SourceFiles {
  format: DatasetFormat;
  files: SourceFile[];
  digest: string;
  sizeBytes: number;
}

/** Called as bytes are read: how many so far, out of how many. */
export type ProgressListener = (doneBytes: number, totalBytes: number) => void;

const extensions: Record<string, DatasetFormat> = {
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
};

export function formatOfPath(path: string): DatasetFormat | undefined {
  return extensions[extname(path).toLowerCase()];
}

export function parseFormat(text: string, field = 'format'): DatasetFormat {
  const format = text.toLowerCase() === 'ndjson' ? 'jsonl' : text.toLowerCase();
  if (!(datasetFormats as readonly string[]).includes(format)) {
    throw invalidParameter(field, `format must be one of ${datasetFormats.join(', ')}, got "${text}"`);
  }
  return format as DatasetFormat;
}

/**
 * Lists a FILE or the data files of a DIR (recursively, sorted), hashes every byte and checks
 * text files on the way, and computes the version's content address: a file's sha256, or for a
 * directory the sha256 of its sorted `relative-path NUL file-sha256 LF` lines, so renaming a file
 * inside it makes a new version while touching its modification time does not.
 */
export async function readSourceFiles(
  input: string,
  options: { format?: DatasetFormat; onProgress?: ProgressListener; label?: string } = {},
): Promise<SourceFiles> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw invalidParameter('path', `${input} does not exist`);
  const listed = info.isDirectory()
    ? await listDataFiles(input)
    : [{ absolutePath: input, path: basename(input) }];
  // Messages name the file as the user knows it (an upload's spool file means nothing to them).
  const nameOf = (file: string) => (options.label && !info.isDirectory() ? options.label : file);
  if (listed.length === 0) {
    throw invalidParameter('path', `${input} holds no .csv, .parquet or .jsonl files`);
  }
  const format =
    options.format ??
    commonFormat(
      input,
      listed.map((f) => f.path),
    );
  const sizes = await Promise.all(listed.map(async (f) => (await stat(f.absolutePath)).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  const files: SourceFile[] = [];
  for (const [i, file] of listed.entries()) {
    const size = sizes[i]!;
    if (size === 0)
      throw invalidParameter(
        'path',
        `${nameOf(file.absolutePath)} is empty (0 bytes): there is nothing to add`,
      );
    const sha256 = await hashAndCheck(file.absolutePath, nameOf(file.absolutePath), format, (n) => {
      done += n;
      options.onProgress?.(done, total);
    });
    files.push({ ...file, size, sha256 });
  }
  const digest = info.isDirectory()
    ? sha256Hex(files.map((f) => `${f.path}\u0000${f.sha256}\n`).join(''))
    : files[0]!.sha256;
  return { format, files, digest, sizeBytes: total };
}

async function hashAndCheck(
  path: string,
  label: string,
  format: DatasetFormat,
  onBytes: (n: number) => void,
): Promise<string> {
  const hash = createHash('sha256');
  const checker = format === 'parquet' ? undefined : new TextFileChecker(label, format === 'csv');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    checker?.update(bytes);
    onBytes(bytes.length);
  }
  if (checker) {
    const rows = checker.finish();
    if (format === 'csv' && rows === 0) {
      throw invalidParameter('path', `${label} has a header but no rows: there is nothing to add`);
    }
  }
  return hash.digest('hex');
}

async function listDataFiles(dir: string): Promise<Array<{ absolutePath: string; path: string }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && formatOfPath(e.name) !== undefined)
    .map((e) => {
      const absolutePath = join(e.parentPath, e.name);
      return { absolutePath, path: relative(dir, absolutePath).split(sep).join('/') };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function commonFormat(input: string, paths: string[]): DatasetFormat {
  const formats = new Set(paths.map((p) => formatOfPath(p)));
  if (formats.has(undefined)) {
    throw invalidParameter(
      'format',
      `cannot tell the format of ${input} from its name: name it .csv, .parquet or .jsonl, or pass --format`,
    );
  }
  if (formats.size > 1) {
    throw invalidParameter(
      'path',
      `${input} mixes formats (${[...formats].join(', ')}): a version holds one format`,
    );
  }
  return [...formats][0]!;
}
