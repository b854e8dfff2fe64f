import type { Readable } from 'node:stream';

export interface StoredArtifact {
  path: string;
  size: number;
  sha256: string;
}

export interface ArtifactEntry {
  /** Path relative to the listed directory's root. */
  path: string;
  isDir: boolean;
  size: number | undefined;
  /** When a file was last written (epoch ms); garbage collection leaves files younger than its grace alone. */
  modifiedAt?: number | undefined;
}

/**
 * Where artifact bytes live. Paths are relative, `/`-separated and already normalised by
 * `normalizeArtifactPath`; implementations must still confine themselves to their root.
 */
export interface ArtifactStore {
  /** Writes the whole stream, then makes it visible atomically; returns its size and sha256. */
  put(path: string, body: Readable | Uint8Array): Promise<StoredArtifact>;
  /** A stream of the file, or undefined when there is none. */
  get(path: string): Promise<{ stream: Readable; size: number } | undefined>;
  /** Direct children of a directory (empty when it does not exist). */
  list(dir: string): Promise<ArtifactEntry[]>;
  /** Removes a file or a whole directory. */
  delete(path: string): Promise<void>;
}
