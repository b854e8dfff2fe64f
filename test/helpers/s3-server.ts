import { dirname, join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { pythonAvailable, pythonPath } from './python.js';
import { startS3ServerProcess, type S3ServerProcess } from './s3-server-process.js';
import { openArtifactStore } from '../../src/store/artifacts/open-artifact-store.js';
import type { ArtifactStore } from '../../src/store/artifacts/artifact-store.js';

/** An S3-compatible server process (moto in server mode, from the Python test venv) on loopback. */
export interface S3Server {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** The AWS variables that point the SDK (and a mloop child process) at this server. */
  env: Record<string, string>;
  /** Creates a fresh bucket and returns `s3://bucket/prefix`. */
  newRoot(prefix?: string): Promise<string>;
  /** An artifact store on a fresh bucket of this server. */
  openStore(prefix?: string): Promise<ArtifactStore>;
  stop(): Promise<void>;
}

/** `describe` for suites that need the S3 server: it comes from the Python venv. */
export const describeWithS3 = pythonAvailable() ? describe : describe.skip;

const running = new Set<S3ServerProcess>();

/** Starts moto_server on a free loopback port and waits until it answers; stopped after the file's tests. */
export async function startS3Server(): Promise<S3Server> {
  const server = await startS3ServerProcess(join(dirname(pythonPath()), 'moto_server'));
  running.add(server);
  return {
    endpoint: server.endpoint,
    env: server.env,
    newRoot: (prefix) => server.newRoot(prefix),
    async openStore(prefix) {
      return openArtifactStore(
        await server.newRoot(prefix),
        { s3ForcePathStyle: true },
        { ...process.env, ...server.env },
      );
    },
    async stop() {
      running.delete(server);
      await server.stop();
    },
  };
}

afterAll(async () => {
  await Promise.all([...running].map((server) => server.stop()));
});
