import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ArtifactEntry, ArtifactStore, StoredArtifact } from './artifact-store.js';
import { normalizeArtifactPath } from './artifact-path.js';

/** Where an S3 store keeps its objects: a bucket and a key prefix (no leading or trailing `/`). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/**
 * Artifacts as objects of an S3-compatible bucket under one key prefix. Paths are normalised
 * (no `..`, no absolute paths) before they become keys, so a path never leaves the prefix.
 */
export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
  ) {}

  async put(path: string, body: Readable | Uint8Array): Promise<StoredArtifact> {
    const hash = createHash('sha256');
    let size = 0;
    const source = body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    // Upload sends parts of a few MB as they fill (multipart past the first part), so a large
    // file never sits whole in memory; the object appears only once the upload completes.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.location.bucket, Key: this.key(path), Body: meter },
    });
    const piping = pipeline(source, meter);
    const uploading = upload.done();
    // Whichever fails first, the other must not turn into an unhandled rejection.
    piping.catch(() => undefined);
    uploading.catch(() => undefined);
    try {
      await Promise.all([piping, uploading]);
    } catch (error) {
      meter.destroy();
      await upload.abort().catch(() => undefined);
      throw error;
    }
    return { path: normalizeArtifactPath(path), size, sha256: hash.digest('hex') };
  }

  async get(path: string): Promise<{ stream: Readable; size: number } | undefined> {
    const key = this.key(path);
    if (key === '' || key.endsWith('/')) return undefined;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
      return { stream: object.Body as Readable, size: object.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(dir: string): Promise<ArtifactEntry[]> {
    const prefix = this.dirPrefix(dir);
    const result: ArtifactEntry[] = [];
    for await (const page of this.pages(prefix, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        result.push({ path: this.relative(common.Prefix!.replace(/\/$/, '')), isDir: true, size: undefined });
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === prefix) continue;
        result.push({
          path: this.relative(object.Key!),
          isDir: false,
          size: object.Size ?? 0,
          modifiedAt: object.LastModified?.getTime(),
        });
      }
    }
    return result.sort((a, b) => a.path.localeCompare(b.path));
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const keys = key === '' ? [] : [key];
    for await (const page of this.pages(this.dirPrefix(path))) {
      for (const object of page.Contents ?? []) keys.push(object.Key!);
    }
    // DeleteObjects takes at most 1000 keys a request.
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000).map((Key) => ({ Key }));
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch, Quiet: true } }),
      );
    }
  }

  /** Every page of a listing under `prefix`, following continuation tokens. */
  private async *pages(prefix: string, delimiter?: string): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
        }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private key(path: string): string {
    const normalized = normalizeArtifactPath(path);
    if (this.location.prefix === '') return normalized;
    return normalized === '' ? `${this.location.prefix}/` : `${this.location.prefix}/${normalized}`;
  }

  /** The key prefix of everything inside directory `dir` (ends with `/` unless it is the bucket's root). */
  private dirPrefix(dir: string): string {
    const key = this.key(dir);
    return key === '' || key.endsWith('/') ? key : `${key}/`;
  }

  /** A key back as a store-relative path. */
  private relative(key: string): string {
    return this.location.prefix === '' ? key : key.slice(this.location.prefix.length + 1);
  }
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404)
  );
}
