import { describe, expect, it } from 'vitest';
import { decodeInferBody, encodeInferResponse, tensorBytes } from './oip-binary.js';

/** A body as tritonclient writes it: the JSON header, then each binary tensor's bytes. */
function body(header: object, ...tensors: Buffer[]): { bytes: Buffer; headerLength: string } {
  const json = Buffer.from(JSON.stringify(header));
  return { bytes: Buffer.concat([json, ...tensors]), headerLength: String(json.length) };
}

describe('the binary data extension', () => {
  it('decodes binary inputs into data, numbers little-endian and BYTES length-prefixed', () => {
    const floats = tensorBytes('FP32', [1.5, -2]);
    const words = tensorBytes('BYTES', ['a', 'héllo']);
    const { bytes, headerLength } = body(
      {
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: floats.length } },
          { name: 'w', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: words.length } },
          { name: 'j', datatype: 'INT64', shape: [1], data: [7] },
        ],
      },
      floats,
      words,
    );
    const decoded = decodeInferBody(bytes, headerLength) as { inputs: Array<{ data: unknown[] }> };
    expect(decoded.inputs.map((t) => t.data)).toEqual([[1.5, -2], ['a', 'héllo'], [7]]);
  });

  it('refuses a body whose sizes do not add up, and too deep a JSON header', () => {
    const { bytes, headerLength } = body(
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }] },
      Buffer.alloc(4),
    );
    expect(() => decodeInferBody(bytes, headerLength)).toThrow(/binary_data_size 8 does not fit/);
    expect(() => decodeInferBody(bytes, '9999')).toThrow(/does not fit the body/);
    const deep = Buffer.from(`{"inputs": ${'['.repeat(100)}${']'.repeat(100)}}`);
    expect(() => decodeInferBody(deep, undefined)).toThrow(/nested deeper/);
    // Not a tensor: left for schema validation to name, not a crash here.
    expect(decodeInferBody(Buffer.from('{"inputs": [null]}'), undefined)).toEqual({ inputs: [null] });
  });

  it('moves the outputs asked for in binary behind the JSON header', () => {
    const response = {
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [1], data: ['setosa'] },
        { name: 'p', datatype: 'FP32', shape: [1], data: [0.25] },
      ],
    };
    const encoded = encodeInferResponse(response, (name) => name === 'p');
    const header = JSON.parse(encoded?.body.subarray(0, encoded.headerLength).toString() ?? '{}') as {
      outputs: Array<{ data?: unknown; parameters?: { binary_data_size?: number } }>;
    };
    expect(header.outputs[0]?.data).toEqual(['setosa']);
    expect(header.outputs[1]).not.toHaveProperty('data');
    expect(header.outputs[1]?.parameters?.binary_data_size).toBe(4);
    expect(encoded?.body.readFloatLE(encoded.headerLength)).toBe(0.25);
    expect(encodeInferResponse(response, () => false)).toBeUndefined();
  });
});
