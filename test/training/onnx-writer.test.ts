import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, GraphBuilder } from '../../src/training/onnx/model-builder.js';
import { varint } from '../../src/training/onnx/protobuf-writer.js';

async function run(onnx: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await InferenceSession.create(onnx);
  try {
    return (await session.run(feeds)) as Record<string, Tensor>;
  } finally {
    await session.release();
  }
}

describe('ONNX model builder', () => {
  it('encodes varints as protobuf does, negatives in ten bytes', () => {
    expect([...varint(1)]).toEqual([1]);
    expect([...varint(300)]).toEqual([0xac, 0x02]);
    expect(varint(-1).length).toBe(10);
  });

  it('writes a model onnxruntime runs: initializers, core and ai.onnx.ml operators, attributes', async () => {
    const g = new GraphBuilder('round-trip');
    g.input('x', 'float', ['N', 2]);
    const w = g.constant('w', { type: 'float', dims: [2, 1], values: [2, -1] });
    const b = g.constant('b', { type: 'float', dims: [1], values: [0.5] });
    const [xw] = g.node('MatMul', ['x', w], ['xw']);
    const [y] = g.node('Add', [xw!, b], ['y'], {}, { exact: true });
    g.output(y!, 'float', ['N', 1]);
    const [scaled] = g.node('Scaler', ['x'], ['scaled'], {
      offset: attr.floats([1, 2]),
      scale: attr.floats([0.5, 0.25]),
    });
    const [clipped] = g.node(
      'Clip',
      [scaled!, g.constant('lo', { type: 'float', dims: [], values: [-1] })],
      ['clipped'],
      {},
      { exact: true },
    );
    g.output(clipped!, 'float', ['N', 2]);
    g.input('city', 'string', ['N', 1]);
    const [code] = g.node(
      'LabelEncoder',
      ['city'],
      ['code'],
      {
        keys_strings: attr.strings(['paris', 'oslo']),
        values_int64s: attr.ints([7, -3]),
        default_int64: attr.int(-1),
      },
      { exact: true },
    );
    g.output(code!, 'int64', ['N', 1]);
    const [big] = g.node(
      'Constant',
      [],
      ['big'],
      {
        value: attr.tensor({ type: 'int64', dims: [2], values: [2n ** 40n, -5] }),
      },
      { exact: true },
    );
    g.output(big!, 'int64', [2]);

    const out = await run(g.toModel(), {
      x: new Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]),
      city: new Tensor('string', ['oslo', 'rome'], [2, 1]),
    });
    expect([...(out.y!.data as Float32Array)]).toEqual([0.5, 2.5]);
    expect([...(out.clipped!.data as Float32Array)]).toEqual([0, 0, 1, 0.5]);
    expect([...(out.code!.data as BigInt64Array)]).toEqual([-3n, -1n]);
    expect([...(out.big!.data as BigInt64Array)]).toEqual([2n ** 40n, -5n]);
  });

  it('gives fresh names that never collide with claimed ones', () => {
    const g = new GraphBuilder();
    g.input('features', 'float', ['N', 1]);
    expect(g.fresh('features')).toBe('features_1');
    expect(g.fresh('features')).toBe('features_2');
    expect(() => g.input('features', 'float', ['N', 1])).toThrow(/already used/);
  });
});
