import { InferenceSession, Tensor } from 'onnxruntime-node';
import { summarize, type LatencySummary } from '../tracking/stats.js';
import { namedFeatures, type BenchModel } from './model.js';

/** One way of scoring the record in this process, timed call after call (µs). */
export interface InProcessTiming {
  calls: number;
  latencyUs: LatencySummary;
  callsPerSecond: number;
}

/**
 * The layers under mloop's HTTP routes, each timed on the same single record:
 * - `onnxruntime`: a bare `InferenceSession.run` on a prebuilt tensor, with the session options
 *   mloop uses (one intra-op thread, all graph optimizations);
 * - `modelRuntime`: mloop's ModelRuntime.predict (validation against the signature, feeds, run,
 *   decoding);
 * - `predictionService`: PredictionService.predict, what the routes call (model lease, the above,
 *   metrics, prediction ids, queueing the prediction log row, whose background writes to SQLite
 *   happen between calls and are included).
 */
export interface InProcessResult {
  onnxSha256: string;
  onnxruntime: InProcessTiming;
  modelRuntime: InProcessTiming;
  predictionService: InProcessTiming;
}

type ConfigModule = typeof import('../../src/core/config.js');
type PlatformModule = typeof import('../../src/platform.js');
type RegistrySourceModule = typeof import('../../src/serving/registry-source.js');

/**
 * mloop's built code in dist/, which `mloop server` runs, typed by its sources. Not src/ through
 * tsx: tsx compiles with esbuild's keepNames, which wraps every closure in a naming call, and on
 * a path this short that alone shows up in the timings (a few percent of the profile).
 */
async function builtMloop() {
  const dist = new URL('../../dist/', import.meta.url);
  const load = async <T>(path: string) => (await import(new URL(path, dist).href)) as T;
  try {
    return {
      ...(await load<ConfigModule>('core/config.js')),
      ...(await load<PlatformModule>('platform.js')),
      ...(await load<RegistrySourceModule>('serving/registry-source.js')),
    };
  } catch (error) {
    throw new Error(`cannot load mloop from dist/ (run \`npm run build\`): ${(error as Error).message}`);
  }
}

const BLOCK = 500;

/**
 * Times each layer's calls one after another, in blocks of BLOCK calls that take turns (a block
 * of each layer, then again), so other work on the machine weighs on every layer alike instead
 * of on whichever ran during a busy spell. A tenth of the calls warm each layer up first.
 */
interface Layer {
  call: () => Promise<unknown>;
  /**
   * Finishes the block's background work (the prediction log's writes), so it counts in this
   * layer's calls per second instead of landing in the next layer's timings.
   */
  settle?: () => Promise<void>;
}

async function timeInTurns(calls: number, layers: Layer[]): Promise<InProcessTiming[]> {
  for (const { call } of layers) for (let i = 0; i < Math.ceil(calls / 10); i++) await call();
  const samples = layers.map(() => new Array<number>());
  const seconds = layers.map(() => 0);
  for (let done = 0; done < calls; done += BLOCK) {
    const n = Math.min(BLOCK, calls - done);
    for (const [layer, { call, settle }] of layers.entries()) {
      const blockStart = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await call();
        samples[layer]!.push(Number(process.hrtime.bigint() - t0) / 1e3);
      }
      await settle?.();
      seconds[layer]! += Number(process.hrtime.bigint() - blockStart) / 1e9;
    }
  }
  return layers.map((_, layer) => ({
    calls,
    latencyUs: summarize(samples[layer]!),
    callsPerSecond: calls / seconds[layer]!,
  }));
}

/**
 * Opens mloop's platform on the benchmark server's data directory (the server is stopped by
 * then), reads the served version's model package from the registry and times the three layers.
 */
export async function runInProcess(
  model: BenchModel,
  home: string,
  databaseUrl: string,
  calls: number,
): Promise<InProcessResult> {
  const { loadConfig, openPlatform, registryModelSource } = await builtMloop();
  const platform = await openPlatform(loadConfig({ home, databaseUrl }, {}));
  const ref = `${model.mloop.modelName}@champion`;
  try {
    const source = registryModelSource(platform.registry);
    const pkg = await source.read(await source.resolve(ref));
    if (pkg.sha256 !== model.onnxSha256) {
      throw new Error(`mloop serves ONNX bytes ${pkg.sha256}, not the converted ${model.onnxSha256}`);
    }
    const record = model.records[0]!;
    const session = await InferenceSession.create(pkg.onnx, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 1,
    });
    const feeds = {
      [session.inputNames[0]!]: new Tensor('float32', Float32Array.from(record.values), [
        1,
        model.columns.length,
      ]),
    };
    const bare = await session.run(feeds);
    const bareLabel = Number(bare[session.outputNames[0]!]?.data[0]);
    if (bareLabel !== record.label)
      throw new Error(`onnxruntime gives class ${bareLabel}, not ${record.label}`);
    const features = namedFeatures(model, record);
    const check = await platform.serving.predictions.predict({ ref, records: [features] });
    if (check.predictions[0]?.label !== record.label) {
      throw new Error(
        `the prediction service gives class ${check.predictions[0]?.label}, not ${record.label}`,
      );
    }
    const lease = await platform.serving.models.acquire(ref);
    let timings: InProcessTiming[];
    try {
      timings = await timeInTurns(calls, [
        { call: () => session.run(feeds) },
        { call: () => lease.model.runtime.predict([features]) },
        {
          call: () => platform.serving.predictions.predict({ ref, records: [features] }),
          settle: () => platform.serving.log.flush(),
        },
      ]);
    } finally {
      lease.release();
      await session.release();
    }
    const [onnxruntime, modelRuntime, predictionService] = timings as [
      InProcessTiming,
      InProcessTiming,
      InProcessTiming,
    ];
    return { onnxSha256: pkg.sha256, onnxruntime, modelRuntime, predictionService };
  } finally {
    await platform.close();
  }
}
