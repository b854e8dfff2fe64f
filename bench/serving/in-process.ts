import { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadConfig } from '../../src/core/config.js';
import { openPlatform } from '../../src/platform.js';
import { registryModelSource } from '../../src/serving/registry-source.js';
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

async function time(calls: number, call: () => Promise<unknown>): Promise<InProcessTiming> {
  for (let i = 0; i < Math.ceil(calls / 10); i++) await call();
  const samples = new Array<number>(calls);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await call();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { calls, latencyUs: summarize(samples), callsPerSecond: calls / seconds };
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
  const platform = await openPlatform(loadConfig({ home, databaseUrl }, {}));
  const ref = `${model.mloop.modelName}@champion`;
  try {
    const source = registryModelSource(platform.registry, platform.artifactStore);
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
    const onnxruntime = await time(calls, () => session.run(feeds));
    await session.release();

    const features = namedFeatures(model, record);
    const lease = await platform.serving.models.acquire(ref);
    let modelRuntime: InProcessTiming;
    try {
      modelRuntime = await time(calls, () => lease.model.runtime.predict([features]));
    } finally {
      lease.release();
    }
    const check = await platform.serving.predictions.predict({ ref, records: [features] });
    if (check.predictions[0]?.label !== record.label) {
      throw new Error(
        `the prediction service gives class ${check.predictions[0]?.label}, not ${record.label}`,
      );
    }
    const predictionService = await time(calls, () =>
      platform.serving.predictions.predict({ ref, records: [features] }),
    );
    return { onnxSha256: pkg.sha256, onnxruntime, modelRuntime, predictionService };
  } finally {
    await platform.close();
  }
}
