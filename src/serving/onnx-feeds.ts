import type { Tensor } from 'onnxruntime-node';
import { MloopError } from '../core/errors.js';
import type { FeatureSpec, FeatureType, InputLayout } from '../registry/model-metadata.js';
import type { FeatureBatch, FeatureColumn } from './feature-batch.js';

/** The ONNX inputs of a batch: tensor name → tensor. */
export type Feeds = Record<string, Tensor>;

/** onnxruntime's Tensor class, passed in by the runtime that loaded onnxruntime lazily. */
export type TensorConstructor = typeof Tensor;

/**
 * Builds the ONNX feeds for a validated batch, following the model's layout:
 * - `columns`: one [n, 1] tensor per feature, of the feature's own type;
 * - `tensor`: one [n, k] tensor of the layout's type, row-major, columns in signature order.
 */
export function buildFeeds(Tensor: TensorConstructor, layout: InputLayout, batch: FeatureBatch): Feeds {
  if (layout.kind === 'columns') {
    const feeds: Feeds = {};
    batch.features.forEach((feature, i) => {
      feeds[feature.name] = columnTensor(Tensor, batch.columns[i] as FeatureColumn, batch.size);
    });
    return feeds;
  }
  return { [layout.inputName]: matrixTensor(Tensor, layout.tensorType, batch) };
}

/**
 * Fails unless every feature can be packed into the layout without losing values: a string
 * tensor holds only strings, an integer or boolean tensor only integers and booleans (a float
 * would be truncated, NaN has no integer form), a float tensor any number or boolean. Checked
 * once when a model is loaded.
 */
export function checkLayout(layout: InputLayout, features: readonly FeatureSpec[]): void {
  if (layout.kind === 'columns') return;
  const fits: Record<FeatureType, readonly FeatureType[]> = {
    string: ['string'],
    int32: ['int32', 'bool'],
    int64: ['int32', 'int64', 'bool'],
    bool: ['bool'],
    float32: ['float32', 'float64', 'int32', 'int64', 'bool'],
    float64: ['float32', 'float64', 'int32', 'int64', 'bool'],
  };
  for (const feature of features) {
    if (!fits[layout.tensorType].includes(feature.type)) {
      throw new MloopError(
        'INVALID_PARAMETER_VALUE',
        `feature "${feature.name}" is ${feature.type} but the model's input tensor "${layout.inputName}" is ${layout.tensorType}`,
        'source',
      );
    }
  }
}

function columnTensor(Tensor: TensorConstructor, column: FeatureColumn, n: number): Tensor {
  const dims = [n, 1];
  if (column.type === 'bool') return new Tensor('bool', column.values, dims);
  return new Tensor(column.type, column.values, dims);
}

function matrixTensor(Tensor: TensorConstructor, type: FeatureType, batch: FeatureBatch): Tensor {
  const k = batch.columns.length;
  const n = batch.size;
  const dims = [n, k];
  if (type === 'string') {
    const data = new Array<string>(n * k);
    batch.columns.forEach((column, j) => {
      const values = column.values as string[];
      for (let i = 0; i < n; i++) data[i * k + j] = values[i] as string;
    });
    return new Tensor('string', data, dims);
  }
  if (type === 'int64') {
    const data = new BigInt64Array(n * k);
    batch.columns.forEach((column, j) => {
      for (let i = 0; i < n; i++) data[i * k + j] = toBigInt(column, i);
    });
    return new Tensor('int64', data, dims);
  }
  const data =
    type === 'float32'
      ? new Float32Array(n * k)
      : type === 'float64'
        ? new Float64Array(n * k)
        : type === 'int32'
          ? new Int32Array(n * k)
          : new Uint8Array(n * k);
  batch.columns.forEach((column, j) => {
    for (let i = 0; i < n; i++) data[i * k + j] = toNumber(column, i);
  });
  return new Tensor(type, data, dims);
}

function toNumber(column: FeatureColumn, i: number): number {
  if (column.type === 'string') throw new Error('a string feature cannot enter a numeric tensor');
  const value = column.values[i] as number | bigint;
  return typeof value === 'bigint' ? Number(value) : value;
}

function toBigInt(column: FeatureColumn, i: number): bigint {
  if (column.type === 'string') throw new Error('a string feature cannot enter a numeric tensor');
  const value = column.values[i] as number | bigint;
  // checkLayout admits only integer and boolean features into an integer tensor.
  return typeof value === 'bigint' ? value : BigInt(value);
}
