/**
 * Tiny ONNX models built in memory, for tests that need a real graph without Python: a minimal
 * protobuf writer for the few ONNX messages a graph needs (ModelProto, GraphProto, NodeProto,
 * ValueInfoProto, TensorProto), field numbers from onnx/onnx.proto.
 */
type Field = Uint8Array;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const concat = (parts: Field[]): Field => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const intField = (no: number, value: number): Field => new Uint8Array([...varint(no << 3), ...varint(value)]);
const bytesField = (no: number, bytes: Field): Field =>
  concat([new Uint8Array([...varint((no << 3) | 2), ...varint(bytes.length)]), bytes]);
const stringField = (no: number, text: string): Field => bytesField(no, new TextEncoder().encode(text));

/** ONNX element types (TensorProto.DataType). */
export const elem = { float: 1, int32: 6, int64: 7, string: 8, bool: 9, double: 11 } as const;

/** A graph input or output: name, element type and shape (`'N'` for the batch dimension). */
export interface ValueSpec {
  name: string;
  type: number;
  shape: Array<number | string>;
}
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integer attributes, e.g. `{ axis: 1 }`. */
  ints?: Record<string, number>;
}
export interface InitializerSpec {
  name: string;
  dims: number[];
  floats: number[];
}

function valueInfo(v: ValueSpec): Field {
  const dims = v.shape.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)));
  const tensorType = concat([intField(1, v.type), bytesField(2, concat(dims))]);
  return concat([stringField(1, v.name), bytesField(2, bytesField(1, tensorType))]);
}

function node(n: NodeSpec, index: number): Field {
  const attributes = Object.entries(n.ints ?? {}).map(([name, value]) =>
    // AttributeProto: name (1), i (3), type (20) = INT (2).
    bytesField(5, concat([stringField(1, name), intField(3, value), intField(20, 2)])),
  );
  return concat([
    ...n.inputs.map((i) => stringField(1, i)),
    ...n.outputs.map((o) => stringField(2, o)),
    stringField(3, `node${index}`),
    stringField(4, n.op),
    ...attributes,
  ]);
}

function initializer(t: InitializerSpec): Field {
  const raw = new Uint8Array(new Float32Array(t.floats).buffer);
  return concat([
    ...t.dims.map((d) => intField(1, d)),
    intField(2, elem.float),
    stringField(8, t.name),
    bytesField(9, raw),
  ]);
}

/** Serializes a graph as an ONNX model (IR version 8, default opset 13). */
export function onnxModel(graph: {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: InitializerSpec[];
}): Uint8Array {
  const g = concat([
    ...graph.nodes.map((n, i) => bytesField(1, node(n, i))),
    stringField(2, 'test-graph'),
    ...(graph.initializers ?? []).map((t) => bytesField(5, initializer(t))),
    ...graph.inputs.map((v) => bytesField(11, valueInfo(v))),
    ...graph.outputs.map((v) => bytesField(12, valueInfo(v))),
  ]);
  const opset = concat([stringField(1, ''), intField(2, 13)]);
  return concat([intField(1, 8), stringField(2, 'mloop-tests'), bytesField(7, g), bytesField(8, opset)]);
}

/** `y = x · w`: a regression over a `[N, features]` float tensor named `X`. */
export function linearRegressionOnnx(weights: number[] = [0.5, -1]): Uint8Array {
  return onnxModel({
    inputs: [{ name: 'X', type: elem.float, shape: ['N', weights.length] }],
    outputs: [{ name: 'variable', type: elem.float, shape: ['N', 1] }],
    nodes: [{ op: 'MatMul', inputs: ['X', 'W'], outputs: ['variable'] }],
    initializers: [{ name: 'W', dims: [weights.length, 1], floats: weights }],
  });
}

/**
 * A two-class classifier over one `[N, 1]` input per feature (`a`, `b`): the probabilities are
 * the softmax of the two features, the label the index of the larger one.
 */
export function columnsClassifierOnnx(): Uint8Array {
  return onnxModel({
    inputs: [
      { name: 'a', type: elem.float, shape: ['N', 1] },
      { name: 'b', type: elem.float, shape: ['N', 1] },
    ],
    outputs: [
      { name: 'label', type: elem.int64, shape: ['N'] },
      { name: 'probabilities', type: elem.float, shape: ['N', 2] },
    ],
    nodes: [
      { op: 'Concat', inputs: ['a', 'b'], outputs: ['ab'], ints: { axis: 1 } },
      { op: 'Softmax', inputs: ['ab'], outputs: ['probabilities'], ints: { axis: 1 } },
      { op: 'ArgMax', inputs: ['ab'], outputs: ['label'], ints: { axis: 1, keepdims: 0 } },
    ],
  });
}
