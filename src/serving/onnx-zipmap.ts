/**
 * skl2onnx wraps a classifier's probabilities in a ZipMap node by default: the graph output is a
 * sequence of maps (class label → probability), which onnxruntime-node cannot hand back to
 * JavaScript. The tensor the ZipMap reads is the same probabilities as a plain [n, classes]
 * tensor, so serving exposes that tensor as an extra graph output and reads it instead; the
 * ZipMap's own class labels give the column order. Models exported with `zipmap=False` need none
 * of this.
 *
 * The rewrite walks the ONNX protobuf by hand (ModelProto → GraphProto → NodeProto) because only a
 * handful of fields matter and no protobuf library is otherwise needed. Field numbers are those of
 * onnx.proto3.
 */

/** A ZipMap output and the probability tensor behind it. */
export interface ZipMapOutput {
  /** The graph output the ZipMap produces (a sequence of maps). */
  output: string;
  /** The [n, classes] float tensor the ZipMap reads, now also a graph output. */
  tensor: string;
  /** The ZipMap's class labels, in the tensor's column order. */
  classLabels: Array<string | number>;
}

export interface UnzippedModel {
  onnx: Uint8Array;
  zipMaps: ZipMapOutput[];
}

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_INTS = 8;
const ATTRIBUTE_STRINGS = 9;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const ELEM_FLOAT = 1;

/**
 * For each named output produced by a ZipMap node, adds the ZipMap's input tensor to the graph's
 * outputs. Returns the bytes unchanged when no requested output is a ZipMap.
 */
export function exposeZipMapInputs(onnx: Uint8Array, outputs: readonly string[]): UnzippedModel {
  const model = readFields(onnx);
  const graphField = model.find((f) => f.number === MODEL_GRAPH && f.bytes);
  if (!graphField?.bytes) return { onnx, zipMaps: [] };
  const graph = readFields(graphField.bytes);
  const zipMaps: ZipMapOutput[] = [];
  for (const field of graph) {
    if (field.number !== GRAPH_NODE || !field.bytes) continue;
    const node = readNode(field.bytes);
    const input = node.inputs[0];
    const output = node.outputs[0];
    if (node.opType !== 'ZipMap' || input === undefined || output === undefined) continue;
    if (outputs.includes(output)) zipMaps.push({ output, tensor: input, classLabels: node.classLabels });
  }
  if (zipMaps.length === 0) return { onnx, zipMaps };

  const graphOutputs = new Set(
    graph.filter((f) => f.number === GRAPH_OUTPUT && f.bytes).map((f) => valueInfoName(f.bytes!)),
  );
  const extra = zipMaps
    .filter((z) => !graphOutputs.has(z.tensor))
    .map((z) => field(GRAPH_OUTPUT, floatTensorValueInfo(z.tensor)));
  const newGraph = concat([graphField.bytes, ...extra]);
  const parts = model.map((f) => (f === graphField ? field(MODEL_GRAPH, newGraph) : f.raw));
  return { onnx: concat(parts), zipMaps };
}

interface Field {
  number: number;
  wireType: number;
  /** The payload of a length-delimited field. */
  bytes?: Uint8Array;
  /** The value of a varint field. */
  varint?: bigint;
  /** The whole field, tag included, as it was read. */
  raw: Uint8Array;
}

interface NodeInfo {
  opType: string;
  inputs: string[];
  outputs: string[];
  classLabels: Array<string | number>;
}

const text = new TextDecoder();
const encoder = new TextEncoder();

function readNode(bytes: Uint8Array): NodeInfo {
  const node: NodeInfo = { opType: '', inputs: [], outputs: [], classLabels: [] };
  for (const f of readFields(bytes)) {
    if (!f.bytes) continue;
    if (f.number === NODE_INPUT) node.inputs.push(text.decode(f.bytes));
    else if (f.number === NODE_OUTPUT) node.outputs.push(text.decode(f.bytes));
    else if (f.number === NODE_OP_TYPE) node.opType = text.decode(f.bytes);
    else if (f.number === NODE_ATTRIBUTE) {
      const labels = classLabelsOf(f.bytes);
      if (labels) node.classLabels = labels;
    }
  }
  return node;
}

/** The labels of a ZipMap's `classlabels_strings` or `classlabels_int64s` attribute. */
function classLabelsOf(attribute: Uint8Array): Array<string | number> | undefined {
  const fields = readFields(attribute);
  const nameField = fields.find((f) => f.number === ATTRIBUTE_NAME && f.bytes);
  const name = nameField?.bytes ? text.decode(nameField.bytes) : '';
  if (name === 'classlabels_strings') {
    return fields.filter((f) => f.number === ATTRIBUTE_STRINGS && f.bytes).map((f) => text.decode(f.bytes!));
  }
  if (name === 'classlabels_int64s') {
    const ints: number[] = [];
    for (const f of fields.filter((x) => x.number === ATTRIBUTE_INTS)) {
      // Repeated int64 may be packed (one length-delimited run of varints) or not.
      if (f.varint !== undefined) ints.push(Number(BigInt.asIntN(64, f.varint)));
      else if (f.bytes) {
        let offset = 0;
        while (offset < f.bytes.length) {
          const [value, next] = readVarint(f.bytes, offset);
          ints.push(Number(BigInt.asIntN(64, value)));
          offset = next;
        }
      }
    }
    return ints;
  }
  return undefined;
}

function valueInfoName(bytes: Uint8Array): string {
  const nameField = readFields(bytes).find((f) => f.number === VALUE_INFO_NAME && f.bytes);
  return nameField?.bytes ? text.decode(nameField.bytes) : '';
}

/** A ValueInfoProto naming a float tensor of unspecified shape. */
function floatTensorValueInfo(name: string): Uint8Array {
  const tensorType = concat([varintField(TENSOR_ELEM_TYPE, ELEM_FLOAT)]);
  const type = field(TYPE_TENSOR, tensorType);
  return concat([field(VALUE_INFO_NAME, encoder.encode(name)), field(VALUE_INFO_TYPE, type)]);
}

function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const [tag, afterTag] = readVarint(bytes, offset);
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    offset = afterTag;
    const entry: Partial<Field> = { number, wireType };
    if (wireType === 0) {
      const [value, next] = readVarint(bytes, offset);
      entry.varint = value;
      offset = next;
    } else if (wireType === 2) {
      const [length, next] = readVarint(bytes, offset);
      const end = next + Number(length);
      if (end > bytes.length) throw new Error('truncated protobuf field');
      entry.bytes = bytes.subarray(next, end);
      offset = end;
    } else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else throw new Error(`unsupported protobuf wire type ${wireType}`);
    if (offset > bytes.length) throw new Error('truncated protobuf field');
    fields.push({ ...entry, raw: bytes.subarray(start, offset) } as Field);
  }
  return fields;
}

function readVarint(bytes: Uint8Array, offset: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = offset; i < bytes.length && shift < 70n; i++) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7n;
  }
  throw new Error('malformed protobuf varint');
}

function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function field(number: number, payload: Uint8Array): Uint8Array {
  return concat([encodeVarint(number * 8 + 2), encodeVarint(payload.length), payload]);
}

function varintField(number: number, value: number): Uint8Array {
  return concat([encodeVarint(number * 8), encodeVarint(value)]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
