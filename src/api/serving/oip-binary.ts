import type { Readable } from 'node:stream';
import { invalidParameter, MloopError } from '../../core/errors.js';
import { parseJsonBody } from '../json-body.js';
import type { OipTensor } from './oip-tensors.js';

/**
 * Triton's binary data extension of the Open Inference Protocol, which tritonclient speaks: the
 * body is a JSON header of `Inference-Header-Content-Length` bytes followed by the raw bytes of
 * each tensor whose parameters carry `binary_data_size`, in the order of the tensors. Numbers are
 * little-endian, row-major; a BYTES element is a 4-byte little-endian length, then its bytes.
 */
export const BINARY_HEADER = 'inference-header-content-length';

type Reader = (bytes: Buffer) => unknown[];
type Writer = (values: readonly unknown[]) => Buffer;

function fixed(
  size: number,
  read: (b: Buffer, at: number) => number | bigint | boolean,
  write: (b: Buffer, v: unknown, at: number) => void,
): { read: Reader; write: Writer } {
  return {
    read: (bytes) => {
      if (bytes.length % size !== 0)
        throw invalidParameter(
          'inputs',
          `binary data of ${bytes.length} bytes is not a whole number of elements`,
        );
      return Array.from({ length: bytes.length / size }, (_, i) => {
        const v = read(bytes, i * size);
        return typeof v === 'bigint' ? Number(v) : v;
      });
    },
    write: (values) => {
      const out = Buffer.alloc(values.length * size);
      values.forEach((v, i) => write(out, v, i * size));
      return out;
    },
  };
}

const num = (v: unknown): number => Number(v ?? 0);
const codecs: Record<string, { read: Reader; write: Writer }> = {
  BOOL: fixed(
    1,
    (b, at) => b.readUInt8(at) !== 0,
    (b, v, at) => b.writeUInt8(v ? 1 : 0, at),
  ),
  INT8: fixed(
    1,
    (b, at) => b.readInt8(at),
    (b, v, at) => b.writeInt8(num(v), at),
  ),
  UINT8: fixed(
    1,
    (b, at) => b.readUInt8(at),
    (b, v, at) => b.writeUInt8(num(v), at),
  ),
  INT16: fixed(
    2,
    (b, at) => b.readInt16LE(at),
    (b, v, at) => b.writeInt16LE(num(v), at),
  ),
  UINT16: fixed(
    2,
    (b, at) => b.readUInt16LE(at),
    (b, v, at) => b.writeUInt16LE(num(v), at),
  ),
  INT32: fixed(
    4,
    (b, at) => b.readInt32LE(at),
    (b, v, at) => b.writeInt32LE(num(v), at),
  ),
  UINT32: fixed(
    4,
    (b, at) => b.readUInt32LE(at),
    (b, v, at) => b.writeUInt32LE(num(v), at),
  ),
  INT64: fixed(
    8,
    (b, at) => b.readBigInt64LE(at),
    (b, v, at) => b.writeBigInt64LE(BigInt(Math.trunc(num(v))), at),
  ),
  UINT64: fixed(
    8,
    (b, at) => b.readBigUInt64LE(at),
    (b, v, at) => b.writeBigUInt64LE(BigInt(Math.trunc(num(v))), at),
  ),
  FP32: fixed(
    4,
    (b, at) => b.readFloatLE(at),
    (b, v, at) => b.writeFloatLE(num(v), at),
  ),
  FP64: fixed(
    8,
    (b, at) => b.readDoubleLE(at),
    (b, v, at) => b.writeDoubleLE(num(v), at),
  ),
  BYTES: {
    read: (bytes) => {
      const values: string[] = [];
      for (let at = 0; at < bytes.length;) {
        if (at + 4 > bytes.length)
          throw invalidParameter('inputs', 'BYTES binary data ends inside an element length');
        const length = bytes.readUInt32LE(at);
        if (at + 4 + length > bytes.length)
          throw invalidParameter('inputs', 'BYTES binary data ends inside an element');
        values.push(bytes.toString('utf8', at + 4, at + 4 + length));
        at += 4 + length;
      }
      return values;
    },
    write: (values) =>
      Buffer.concat(
        values.flatMap((v) => {
          const text = Buffer.from(String(v ?? ''), 'utf8');
          const length = Buffer.alloc(4);
          length.writeUInt32LE(text.length);
          return [length, text];
        }),
      ),
  },
};

function codecOf(datatype: string, field: string): { read: Reader; write: Writer } {
  const codec = codecs[datatype];
  if (!codec) throw invalidParameter(field, `binary data of datatype ${datatype} is not supported`);
  return codec;
}

/** The tensor's elements as raw bytes (one codec per datatype, shared with gRPC's raw contents). */
export function tensorBytes(datatype: string, values: readonly unknown[]): Buffer {
  return codecOf(datatype, 'outputs').write(values);
}

/** Raw bytes as the tensor's elements. */
export function tensorValues(datatype: string, bytes: Buffer, field: string): unknown[] {
  return codecOf(datatype, field).read(bytes);
}

/** A request body read whole: raw bytes as the client sent them. */
export async function readBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The JSON infer request of a body sent without a JSON parser's help (no Content-Type, or
 * application/octet-stream with the binary header): its header parsed, binary inputs decoded
 * into `data`, so the rest of the route sees one request shape.
 */
export function decodeInferBody(bytes: Buffer, headerLength: string | undefined): unknown {
  const jsonLength = headerLength === undefined ? bytes.length : Number(headerLength);
  if (!Number.isInteger(jsonLength) || jsonLength < 0 || jsonLength > bytes.length)
    throw new MloopError(
      'BAD_REQUEST',
      `Inference-Header-Content-Length ${headerLength} does not fit the body`,
    );
  const parsed = parseJsonBody(bytes.toString('utf8', 0, jsonLength));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new MloopError('BAD_REQUEST', 'The inference request must be a JSON object');
  const request = parsed as { inputs?: unknown };
  let at = jsonLength;
  if (Array.isArray(request.inputs)) {
    request.inputs.forEach((tensor: Partial<OipTensor> | null, i) => {
      // Not a tensor: schema validation names it next.
      if (typeof tensor !== 'object' || tensor === null) return;
      const size = tensor.parameters?.binary_data_size;
      if (size === undefined) return;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || at + size > bytes.length)
        throw invalidParameter(
          `inputs[${i}].parameters.binary_data_size`,
          `binary_data_size ${String(size)} does not fit the body`,
        );
      tensor.data = tensorValues(
        String(tensor.datatype),
        bytes.subarray(at, at + size),
        `inputs[${i}].datatype`,
      );
      at += size;
    });
  }
  if (at !== bytes.length)
    throw new MloopError('BAD_REQUEST', `${bytes.length - at} bytes after the last binary tensor`);
  return request;
}

/** Whether the client asked for `name` in binary: per output, else for all outputs. */
export function wantsBinary(
  name: string,
  request: {
    outputs?: Array<{ name: string; parameters?: Record<string, unknown> }>;
    parameters?: Record<string, unknown>;
  },
): boolean {
  const own = request.outputs?.find((o) => o.name === name)?.parameters?.binary_data;
  if (own !== undefined) return own === true;
  return request.parameters?.binary_data_output === true;
}

/**
 * The response body with the chosen outputs in binary: their data moved behind the JSON, their
 * size in `binary_data_size`. Undefined when no output is binary (the answer stays plain JSON).
 */
export function encodeInferResponse(
  response: { outputs: OipTensor[] },
  binary: (name: string) => boolean,
): { body: Buffer; headerLength: number } | undefined {
  if (!response.outputs.some((o) => binary(o.name))) return undefined;
  const parts: Buffer[] = [];
  const outputs = response.outputs.map((o) => {
    if (!binary(o.name)) return o;
    const bytes = tensorBytes(o.datatype, o.data);
    parts.push(bytes);
    const { data: _data, ...rest } = o;
    return { ...rest, parameters: { ...o.parameters, binary_data_size: bytes.length } };
  });
  const header = Buffer.from(JSON.stringify({ ...response, outputs }), 'utf8');
  return { body: Buffer.concat([header, ...parts]), headerLength: header.length };
}
