/**
 * A minimal protobuf encoder: just the wire types ONNX's messages use (varint, 64-bit, length-
 * delimited, 32-bit). Hand-written because the few messages of an ONNX model need ~100 lines,
 * not a protobuf library and generated code. Repeated scalars are written packed, which every
 * protobuf parser accepts for proto2 fields too.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/** A message being written: fields are appended in call order; `finish()` gives the bytes. */
export class ProtoMessage {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  /** An int32/int64/enum/bool field (negative values take ten bytes, as protobuf's int64 does). */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    return this.push(varint(value));
  }

  /** A `float` field (fixed 32-bit). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.push(bytes);
  }

  /** A `double` field (fixed 64-bit). */
  double(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.push(bytes);
  }

  /** A `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.push(varint(value.length));
    return this.push(value);
  }

  /** A `string` field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoMessage): this {
    return this.bytes(field, value.finish());
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: ReadonlyArray<number | bigint>): this {
    if (values.length === 0) return this;
    return this.bytes(field, concatBytes(values.map((v) => varint(v))));
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    return this.bytes(field, new Uint8Array(Float32Array.from(values).buffer));
  }

  finish(): Uint8Array {
    return concatBytes(this.parts, this.size);
  }

  private tag(field: number, wireType: number): void {
    this.push(varint((field << 3) | wireType));
  }

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.size += bytes.length;
    return this;
  }
}

/** Base-128 varint of a 64-bit integer; negatives as their two's complement (ten bytes). */
export function varint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new Error(`protobuf varint needs an integer, got ${value}`);
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Uint8Array.from(out);
}

function concatBytes(parts: readonly Uint8Array[], size?: number): Uint8Array {
  const out = new Uint8Array(size ?? parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
