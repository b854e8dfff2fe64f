import { ProtoMessage } from './protobuf-writer.js';

/**
 * Builds ONNX models in memory: a graph of nodes, initializers, inputs and outputs, encoded as a
 * ModelProto. Field numbers are those of onnx/onnx.proto. The trainers use it to export a fitted
 * model, preprocessing included, as one graph that onnxruntime runs.
 */

/** Element types of the tensors mloop's graphs use (TensorProto.DataType numbers). */
export const elementTypes = { float: 1, int32: 6, int64: 7, string: 8, bool: 9, double: 11 } as const;
export type ElementType = keyof typeof elementTypes;

/** A dimension: a fixed size, or a symbolic name (`'N'` for the batch). */
export type Dimension = number | string;

/** A graph input or output. */
export interface ValueInfo {
  name: string;
  type: ElementType;
  shape: Dimension[];
}

/** A constant tensor (an initializer, or a tensor attribute). */
export type TensorValue =
  | { type: 'float' | 'double' | 'int32'; dims: number[]; values: ArrayLike<number> }
  | { type: 'int64'; dims: number[]; values: ArrayLike<number | bigint> }
  | { type: 'bool'; dims: number[]; values: ArrayLike<boolean | number> }
  | { type: 'string'; dims: number[]; values: readonly string[] };

/** A node attribute; integers and floats are told apart because ONNX types them. */
export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: ArrayLike<number> }
  | { kind: 'strings'; value: readonly string[] }
  | { kind: 'tensor'; value: TensorValue };

/** Attribute constructors: `{ axis: attr.int(1), scale: attr.floats([...]) }`. */
export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: ArrayLike<number>): AttributeValue => ({ kind: 'floats', value }),
  strings: (value: readonly string[]): AttributeValue => ({ kind: 'strings', value }),
  tensor: (value: TensorValue): AttributeValue => ({ kind: 'tensor', value }),
};

/** The operator sets a model imports: ai.onnx 17 and ai.onnx.ml 3, what onnxruntime ≥1.14 runs. */
export const defaultOpsets: Readonly<Record<string, number>> = { '': 17, 'ai.onnx.ml': 3 };
/** IR version 8 goes with opset 17. */
const IR_VERSION = 8;

/** Operators of the ai.onnx.ml domain: a node of these types gets that domain without saying so. */
const mlOperators = new Set([
  'ArrayFeatureExtractor',
  'Binarizer',
  'CastMap',
  'CategoryMapper',
  'DictVectorizer',
  'FeatureVectorizer',
  'Imputer',
  'LabelEncoder',
  'LinearClassifier',
  'LinearRegressor',
  'Normalizer',
  'OneHotEncoder',
  'Scaler',
  'SVMClassifier',
  'SVMRegressor',
  'TreeEnsembleClassifier',
  'TreeEnsembleRegressor',
  'ZipMap',
]);

interface NodeEntry {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Record<string, AttributeValue>;
  domain: string;
  name: string;
}

/**
 * A graph under construction. Names are the caller's; `fresh(prefix)` hands out names no one
 * has used yet, so independent pieces (preprocessing, a model, its output head) compose.
 */
export class GraphBuilder {
  private readonly nodes: NodeEntry[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializers: Array<{ name: string; tensor: TensorValue }> = [];
  private readonly used = new Set<string>();

  constructor(readonly name = 'mloop') {}

  /** A name not yet used in this graph, starting with `prefix`. */
  fresh(prefix: string): string {
    if (!this.used.has(prefix)) {
      this.used.add(prefix);
      return prefix;
    }
    for (let i = 1; ; i++) {
      const candidate = `${prefix}_${i}`;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
  }

  /** Declares a graph input; its name must be unused (inputs carry the user's feature names). */
  input(name: string, type: ElementType, shape: Dimension[]): string {
    this.claim(name);
    this.inputs.push({ name, type, shape });
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(name: string, type: ElementType, shape: Dimension[]): void {
    this.outputs.push({ name, type, shape });
  }

  /** Adds a constant tensor under a fresh name derived from `prefix`; returns its name. */
  constant(prefix: string, tensor: TensorValue): string {
    const name = this.fresh(prefix);
    this.initializers.push({ name, tensor });
    return name;
  }

  /**
   * Adds a node. Each output is named from `outputs` through `fresh()` unless `exact` names are
   * wanted (graph outputs such as `label`); returns the output names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    options: { domain?: string; exact?: boolean } = {},
  ): string[] {
    const names = outputs.map((o) => (options.exact ? this.claim(o) : this.fresh(o)));
    this.nodes.push({
      opType,
      inputs,
      outputs: names,
      attributes,
      domain: options.domain ?? (mlOperators.has(opType) ? 'ai.onnx.ml' : ''),
      name: this.fresh(`${opType}_node`),
    });
    return names;
  }

  /** Encodes the graph as an ONNX ModelProto. */
  toModel(
    options: { producer?: string; opsets?: Record<string, number>; metadata?: Record<string, string> } = {},
  ): Uint8Array {
    const graph = new ProtoMessage();
    for (const node of this.nodes) graph.message(1, encodeNode(node));
    graph.string(2, this.name);
    for (const { name, tensor } of this.initializers) graph.message(5, encodeTensor(tensor, name));
    for (const input of this.inputs) graph.message(11, encodeValueInfo(input));
    for (const output of this.outputs) graph.message(12, encodeValueInfo(output));

    const model = new ProtoMessage().int(1, IR_VERSION);
    model.string(2, options.producer ?? 'mloop');
    for (const [domain, version] of Object.entries(options.opsets ?? defaultOpsets)) {
      model.message(8, new ProtoMessage().string(1, domain).int(2, version));
    }
    model.message(7, graph);
    for (const [key, value] of Object.entries(options.metadata ?? {})) {
      model.message(14, new ProtoMessage().string(1, key).string(2, value));
    }
    return model.finish();
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name "${name}" is already used`);
    this.used.add(name);
    return name;
  }
}

function encodeNode(node: NodeEntry): ProtoMessage {
  const message = new ProtoMessage();
  for (const input of node.inputs) message.string(1, input);
  for (const output of node.outputs) message.string(2, output);
  message.string(3, node.name).string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes))
    message.message(5, encodeAttribute(name, value));
  if (node.domain) message.string(7, node.domain);
  return message;
}

// AttributeProto.AttributeType numbers.
const attributeTypes = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

function encodeAttribute(name: string, attribute: AttributeValue): ProtoMessage {
  const message = new ProtoMessage().string(1, name);
  switch (attribute.kind) {
    case 'float':
      message.float(2, attribute.value);
      break;
    case 'int':
      message.int(3, attribute.value);
      break;
    case 'string':
      message.string(4, attribute.value);
      break;
    case 'tensor':
      message.message(5, encodeTensor(attribute.value));
      break;
    case 'floats':
      message.packedFloats(7, attribute.value);
      break;
    case 'ints':
      message.packedInts(8, attribute.value);
      break;
    case 'strings':
      for (const s of attribute.value) message.string(9, s);
      break;
  }
  return message.int(20, attributeTypes[attribute.kind]);
}

function encodeTensor(tensor: TensorValue, name?: string): ProtoMessage {
  const message = new ProtoMessage();
  for (const d of tensor.dims) message.int(1, d);
  message.int(2, elementTypes[tensor.type]);
  if (name !== undefined) message.string(8, name);
  if (tensor.type === 'string') {
    for (const s of tensor.values) message.string(6, s);
  } else {
    message.bytes(9, rawData(tensor));
  }
  return message;
}

/** Tensor values as raw little-endian bytes (TensorProto.raw_data). */
function rawData(tensor: Exclude<TensorValue, { type: 'string' }>): Uint8Array {
  const values = Array.from(tensor.values as ArrayLike<number | bigint | boolean>);
  switch (tensor.type) {
    case 'float':
      return bytesOf(Float32Array.from(values as number[]));
    case 'double':
      return bytesOf(Float64Array.from(values as number[]));
    case 'int32':
      return bytesOf(Int32Array.from(values as number[]));
    case 'int64':
      return bytesOf(BigInt64Array.from(values.map((v) => BigInt(v as number | bigint))));
    case 'bool':
      return Uint8Array.from(values.map((v) => (v ? 1 : 0)));
  }
}

function bytesOf(array: Float32Array | Float64Array | Int32Array | BigInt64Array): Uint8Array {
  // Typed arrays are little-endian on every platform Node.js supports.
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function encodeValueInfo(value: ValueInfo): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of value.shape) {
    shape.message(1, typeof d === 'number' ? new ProtoMessage().int(1, d) : new ProtoMessage().string(2, d));
  }
  const tensorType = new ProtoMessage().int(1, elementTypes[value.type]).message(2, shape);
  return new ProtoMessage().string(1, value.name).message(2, new ProtoMessage().message(1, tensorType));
}
