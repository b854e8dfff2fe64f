import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * An S3-compatible server process (moto in server mode) on loopback. Free of vitest, so the
 * benchmarks start the same server the tests do; test/helpers/s3-server.ts wraps it for suites.
 */
export interface S3ServerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** The AWS variables that point the SDK (and a mloop child process) at this server. */
  env: Record<string, string>;
  /** Creates a fresh bucket and returns `s3://bucket/prefix`. */
  newRoot(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

let buckets = 0;

/** Starts `motoServer` (the venv's moto_server script) on a free loopback port and waits until it answers. */
export async function startS3ServerProcess(motoServer: string): Promise<S3ServerProcess> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitUntilUp(endpoint, child, () => output);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
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
  return {
    child,
    endpoint,
    env,
    async newRoot(prefix = 'artifacts') {
      const bucket = `mloop-test-${process.pid}-${++buckets}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return `s3://${bucket}/${prefix}`;
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
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
