/**
 * A small, real training run tracked by mloop — no Python, no downloads.
 *
 * It generates a seeded synthetic tabular dataset for binary classification, trains logistic
 * regression with mini-batch gradient descent, and logs everything through the SDK: params,
 * per-epoch train loss / validation accuracy / validation AUC, the dataset as an input, and the
 * dataset CSV and the trained weights (`model.json`) as artifacts.
 *
 * Run it against a server:
 *   mloop server &                                  # or: npm run demo
 *   MLOOP_URL=http://127.0.0.1:5050 npx tsx examples/train-classifier.ts --epochs 30
 */
import { parseArgs } from 'node:util';
import { sha256Hex } from '../src/core/hashing.js';
import { MloopClient } from '../src/sdk/index.js';

interface Dataset {
  featureNames: string[];
  x: number[][];
  y: number[];
}

interface Model {
  weights: number[];
  bias: number;
  /** Standardisation learnt on the training split: x' = (x - mean) / std. */
  mean: number[];
  std: number[];
}

const { values: args } = parseArgs({
  options: {
    experiment: { type: 'string', default: 'train-classifier' },
    samples: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '25' },
    'learning-rate': { type: 'string', default: '0.1' },
    'batch-size': { type: 'string', default: '64' },
    l2: { type: 'string', default: '0.001' },
    seed: { type: 'string', default: '42' },
  },
});
const config = {
  samples: Number(args.samples),
  epochs: Number(args.epochs),
  learningRate: Number(args['learning-rate']),
  batchSize: Number(args['batch-size']),
  l2: Number(args.l2),
  seed: Number(args.seed),
};

/** mulberry32: a tiny seeded PRNG, so the same seed gives the same data and the same model. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by the Box–Muller transform. */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);

/**
 * Six informative features on their own scales (so standardisation matters) and two of pure noise.
 * `spend` follows `usage` closely but pulls the other way, and `noise_a` echoes `tenure`: with
 * correlated features plain gradient descent needs many epochs to untangle their weights.
 */
function generateDataset(samples: number, random: () => number): Dataset {
  const featureNames = ['tenure', 'usage', 'support_calls', 'spend', 'age', 'discount', 'noise_a', 'noise_b'];
  const trueWeights = [1.2, 1.5, 1.0, -2.0, 0.4, 0.9, 0, 0];
  const scales = [12, 300, 2, 80, 10, 0.2, 1, 1];
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < samples; i++) {
    const g = featureNames.map(() => gaussian(random));
    const z = [...g];
    z[3] = 0.85 * (g[1] ?? 0) + 0.5 * (g[3] ?? 0);
    z[6] = 0.8 * (g[0] ?? 0) + 0.6 * (g[6] ?? 0);
    x.push(z.map((v, j) => Number(((v + 3) * (scales[j] ?? 1)).toFixed(4))));
    y.push(random() < sigmoid(2 * dot(trueWeights, z) - 0.3) ? 1 : 0);
  }
  return { featureNames, x, y };
}

function toCsv(data: Dataset): string {
  const lines = [[...data.featureNames, 'label'].join(',')];
  data.x.forEach((row, i) => lines.push([...row, data.y[i]].join(',')));
  return `${lines.join('\n')}\n`;
}

function standardisation(x: number[][]): { mean: number[]; std: number[] } {
  const d = x[0]?.length ?? 0;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, row) => s + (row[j] ?? 0), 0) / x.length);
  const std = mean.map(
    (m, j) => Math.sqrt(x.reduce((s, row) => s + ((row[j] ?? 0) - m) ** 2, 0) / x.length) || 1,
  );
  return { mean, std };
}

function predict(model: Model, row: number[]): number {
  return sigmoid(
    model.bias +
      row.reduce(
        (s, v, j) => s + (model.weights[j] ?? 0) * ((v - (model.mean[j] ?? 0)) / (model.std[j] ?? 1)),
        0,
      ),
  );
}

function logLoss(model: Model, x: number[][], y: number[]): number {
  const eps = 1e-12;
  return (
    -x.reduce((s, row, i) => {
      const p = Math.min(1 - eps, Math.max(eps, predict(model, row)));
      return s + (y[i] === 1 ? Math.log(p) : Math.log(1 - p));
    }, 0) / x.length
  );
}

function accuracy(model: Model, x: number[][], y: number[]): number {
  return x.filter((row, i) => (predict(model, row) >= 0.5 ? 1 : 0) === y[i]).length / x.length;
}

/** ROC AUC as the Mann–Whitney statistic: the chance a random positive outscores a random negative (ties count half). */
function auc(model: Model, x: number[][], y: number[]): number {
  const scored = x
    .map((row, i) => ({ score: predict(model, row), label: y[i] ?? 0 }))
    .sort((a, b) => a.score - b.score);
  let rankSumPositives = 0;
  for (let i = 0; i < scored.length;) {
    let j = i;
    while (j < scored.length && scored[j]?.score === scored[i]?.score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (scored[k]?.label === 1) rankSumPositives += averageRank;
    i = j;
  }
  const positives = y.filter((v) => v === 1).length;
  const negatives = y.length - positives;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** One epoch of mini-batch gradient descent on the L2-regularised log loss, in a shuffled order. */
function trainEpoch(model: Model, x: number[][], y: number[], random: () => number): void {
  const order = x.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
  for (let start = 0; start < order.length; start += config.batchSize) {
    const batch = order.slice(start, start + config.batchSize);
    const gradW = model.weights.map(() => 0);
    let gradB = 0;
    for (const i of batch) {
      const row = x[i] ?? [];
      const error = predict(model, row) - (y[i] ?? 0);
      row.forEach(
        (v, j) => (gradW[j] = (gradW[j] ?? 0) + error * ((v - (model.mean[j] ?? 0)) / (model.std[j] ?? 1))),
      );
      gradB += error;
    }
    model.weights = model.weights.map(
      (w, j) => w - config.learningRate * ((gradW[j] ?? 0) / batch.length + config.l2 * w),
    );
    model.bias -= (config.learningRate * gradB) / batch.length;
  }
}

async function main(): Promise<void> {
  const client = new MloopClient();
  const random = seededRandom(config.seed);
  const data = generateDataset(config.samples, random);
  const csv = toCsv(data);
  const split = Math.floor(config.samples * 0.8);
  const [trainX, trainY, valX, valY] = [
    data.x.slice(0, split),
    data.y.slice(0, split),
    data.x.slice(split),
    data.y.slice(split),
  ];

  const run = await client.startRun({
    experiment: args.experiment ?? 'train-classifier',
    tags: { 'mloop.source': 'examples/train-classifier.ts' },
  });
  try {
    await run.logParams({
      model: 'logistic_regression',
      samples: config.samples,
      epochs: config.epochs,
      learning_rate: config.learningRate,
      batch_size: config.batchSize,
      l2: config.l2,
      seed: config.seed,
      features: data.featureNames.length,
      train_rows: trainX.length,
      val_rows: valX.length,
    });

    const csvSha256 = sha256Hex(csv);
    const datasetPath = 'data/synthetic-churn.csv';
    const uploaded = await run.uploadArtifact(datasetPath, new TextEncoder().encode(csv));
    if (uploaded.sha256 !== csvSha256)
      throw new Error(`the server stored ${datasetPath} with a different sha256`);
    await run.logInput(
      {
        name: 'synthetic-churn',
        // The store caps digests at 36 characters (as MLflow does): the first 32 hex digits of the
        // CSV's sha256; the whole hash is in the profile and on the artifact.
        digest: csvSha256.slice(0, 32),
        sourceType: 'artifact',
        source: `${run.run.info.artifactUri}/${datasetPath}`,
        profile: JSON.stringify({
          rows: data.x.length,
          features: data.featureNames,
          positiveRate: data.y.filter((v) => v === 1).length / data.y.length,
          sha256: csvSha256,
        }),
      },
      'training',
    );

    const model: Model = { weights: data.featureNames.map(() => 0), bias: 0, ...standardisation(trainX) };
    let last = { train_loss: NaN, val_accuracy: NaN, val_auc: NaN };
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      trainEpoch(model, trainX, trainY, random);
      last = {
        train_loss: logLoss(model, trainX, trainY),
        val_accuracy: accuracy(model, valX, valY),
        val_auc: auc(model, valX, valY),
      };
      await run.logMetrics(last, epoch);
      process.stdout.write(
        `epoch ${String(epoch).padStart(3)}  train_loss ${last.train_loss.toFixed(4)}  val_accuracy ${last.val_accuracy.toFixed(4)}  val_auc ${last.val_auc.toFixed(4)}\n`,
      );
    }

    const modelJson = JSON.stringify(
      { type: 'logistic_regression', featureNames: data.featureNames, ...model, metrics: last },
      null,
      2,
    );
    await run.uploadArtifact('model/model.json', new TextEncoder().encode(modelJson));
    await run.end('FINISHED');

    process.stdout.write(
      [
        '',
        `run ${run.id} FINISHED in experiment '${args.experiment}' (${run.experimentId})`,
        `final metrics: train_loss=${last.train_loss.toFixed(4)} val_accuracy=${last.val_accuracy.toFixed(4)} val_auc=${last.val_auc.toFixed(4)}`,
        `look at:  ${client.url}/api/v1/runs/${run.id}`,
        `          ${client.url}/api/v1/runs/${run.id}/metrics/val_auc`,
        `          ${client.url}/api/v1/runs/${run.id}/artifacts`,
        `          ${client.url}/openapi.json`,
        '',
      ].join('\n'),
    );
  } catch (error) {
    await run.end('FAILED').catch(() => undefined);
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `train-classifier failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
