/**
 * `npm run bench -- artifacts`: one large file (1 GiB by default) through mloop's artifact store,
 * uploaded (`put`, streamed from disk) and downloaded (`get`, streamed to disk with its sha256
 * checked), on a local directory and on an S3-compatible server process (moto in server mode from
 * the Python venv, started as the tests start it). Prints MiB/s and writes
 * bench/results/artifacts.json. See USAGE.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { openArtifactStore } from '../../src/store/artifacts/open-artifact-store.js';
import type { ArtifactStore } from '../../src/store/artifacts/artifact-store.js';
import { startS3ServerProcess, type S3ServerProcess } from '../../test/helpers/s3-server-process.js';
import { describeMachine } from '../tracking/machine.js';

const RESULTS_PATH = fileURLToPath(new URL('../results/artifacts.json', import.meta.url));

const USAGE = `npm run bench -- artifacts [--size-mib N] [--json]

Uploads one file (1024 MiB by default, random bytes) into mloop's artifact store and downloads it
again, streamed both ways with the sha256 checked, on a local directory and on an S3-compatible
server (moto in server mode from the Python venv, on loopback; multipart upload). Prints MiB/s
per direction (JSON on stdout with --json) and writes bench/results/artifacts.json.
Environment: MLOOP_TEST_PYTHON (set by scripts/bench.sh).`;

interface Transfer {
  seconds: number;
  mibPerSecond: number;
}

interface StoreResult {
  store: 'local directory' | 'S3 (moto server)';
  upload: Transfer;
  download: Transfer;
  sha256Ok: boolean;
}

function log(message: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Writes `mib` MiB of random bytes (a random 8 MiB block repeated: nothing on the way compresses). */
async function writeFile(path: string, mib: number): Promise<string> {
  const block = randomBytes(8 * 2 ** 20);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < mib * 2 ** 20; written += block.length) {
    const chunk = block.subarray(0, Math.min(block.length, mib * 2 ** 20 - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return hash.digest('hex');
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function transfer(
  name: StoreResult['store'],
  store: ArtifactStore,
  file: string,
  sha256: string,
  scratch: string,
): Promise<StoreResult> {
  const mib = statSync(file).size / 2 ** 20;
  const up = await timed(() => store.put('bench/large.bin', createReadStream(file)));
  log(`${name}: upload ${(mib / up.seconds).toFixed(0)} MiB/s`);
  const downloadHash = createHash('sha256');
  const target = join(scratch, 'downloaded.bin');
  const down = await timed(async () => {
    const found = await store.get('bench/large.bin');
    if (!found) throw new Error(`${name}: the uploaded file is missing`);
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        downloadHash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(found.stream, meter, createWriteStream(target));
  });
  rmSync(target, { force: true });
  log(`${name}: download ${(mib / down.seconds).toFixed(0)} MiB/s`);
  await store.delete('bench/large.bin');
  return {
    store: name,
    upload: { seconds: up.seconds, mibPerSecond: mib / up.seconds },
    download: { seconds: down.seconds, mibPerSecond: mib / down.seconds },
    sha256Ok: up.value.sha256 === sha256 && downloadHash.digest('hex') === sha256,
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const sizeAt = args.indexOf('--size-mib');
  const mib = sizeAt < 0 ? 1024 : Number(args[sizeAt + 1]);
  if (!Number.isInteger(mib) || mib < 1) throw new Error(`--size-mib must be a positive integer`);
  const python = process.env.MLOOP_TEST_PYTHON;
  if (!python) throw new Error('MLOOP_TEST_PYTHON is not set: run through `npm run bench -- artifacts`');

  const loadAtStart = loadavg();
  const scratch = mkdtempSync(join(tmpdir(), 'mloop-bench-artifacts-'));
  process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const errors: string[] = [];
  const results: StoreResult[] = [];
  let s3: S3ServerProcess | undefined;
  try {
    log(`writing a ${mib} MiB file`);
    const file = join(scratch, 'large.bin');
    const sha256 = await writeFile(file, mib);
    const local = await openArtifactStore(join(scratch, 'store'), { s3ForcePathStyle: false });
    results.push(await transfer('local directory', local, file, sha256, scratch));
    log('starting the S3-compatible server (moto)');
    s3 = await startS3ServerProcess(join(dirname(python), 'moto_server'));
    const bucket = await openArtifactStore(
      await s3.newRoot('artifacts'),
      { s3ForcePathStyle: true },
      { ...process.env, ...s3.env },
    );
    results.push(await transfer('S3 (moto server)', bucket, file, sha256, scratch));
  } catch (error) {
    errors.push((error as Error).message);
  } finally {
    await s3?.stop();
  }
  for (const r of results) if (!r.sha256Ok) errors.push(`${r.store}: sha256 differs after the round trip`);

  const report = {
    benchmark: 'artifacts',
    date: new Date().toISOString(),
    machine: describeMachine(undefined, loadAtStart),
    config: { sizeMiB: mib },
    results,
    errors,
  };
  const lines = [
    `\n== artifacts: one ${mib} MiB file through mloop's artifact store (streamed, sha256 checked)`,
    `load average (1 min): ${report.machine.loadAverage.start} at start, ${report.machine.loadAverage.end} at end`,
    ...results.map(
      (r) =>
        `${r.store.padEnd(18)} upload ${r.upload.mibPerSecond.toFixed(0).padStart(5)} MiB/s (${r.upload.seconds.toFixed(1)} s)   ` +
        `download ${r.download.mibPerSecond.toFixed(0).padStart(5)} MiB/s (${r.download.seconds.toFixed(1)} s)`,
    ),
    ...errors.map((e) => `ERROR: ${e}`),
  ];
  mkdirSync(dirname(RESULTS_PATH), { recursive: true });
  writeFileSync(RESULTS_PATH, `${JSON.stringify(report, null, 2)}\n`);
  if (args.includes('--json')) {
    console.error(lines.join('\n'));
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`${lines.join('\n')}\n\nresults: bench/results/artifacts.json`);
  }
  return errors.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);
