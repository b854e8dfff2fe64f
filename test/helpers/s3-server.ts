import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll } from 'vitest';
import { pythonAvailable, pythonPath } from './python.js';
import { openArtifactStore } from '../../src/store/artifacts/open-artifact-store.js';
import type { ArtifactStore } from '../../src/store/artifacts/artifact-store.js';
import { describe } from 'vitest';

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

const running = new Set<ChildProcess>();
let buckets = 0;

/** Starts moto_server on a free loopback port and waits until it answers; stopped after the file's tests. */
export async function startS3Server(): Promise<S3Server> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(join(dirname(pythonPath()), 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitUntilUp(endpoint, child, () => output);
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    MLOOP_S3_FORCE_PATH_STYLE: 'true',
  };
  const client = new S3Client({
    endpoint,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const newRoot = async (prefix = 'artifacts'): Promise<string> => {
    const bucket = `mloop-test-${process.pid}-${++buckets}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return `s3://${bucket}/${prefix}`;
  };
  return {
    endpoint,
    env,
    newRoot,
    async openStore(prefix) {
      return openArtifactStore(await newRoot(prefix), { s3ForcePathStyle: true }, { ...process.env, ...env });
    },
    async stop() {
      client.destroy();
      await stopChild(child);
    },
  };
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${output()}`);
    const up = await fetch(`${endpoint}/moto-api/`).then(
      () => true,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer within 30 s: ${output()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

afterAll(async () => {
  await Promise.all([...running].map(stopChild));
});
