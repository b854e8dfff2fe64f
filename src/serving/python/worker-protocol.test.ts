import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from './worker-protocol.js';

describe('worker frames', () => {
  it('reads messages split across chunks and several in one chunk, any character in strings', () => {
    const bytes = Buffer.concat([
      encodeFrame({ id: 1, label: 'a\nb "c" é' }),
      encodeFrame({ id: 2, predictions: [1.5, null] }),
    ]);
    const reader = new FrameReader();
    const seen: unknown[] = [];
    for (let i = 0; i < bytes.length; i += 3) seen.push(...reader.push(bytes.subarray(i, i + 3)));
    expect(seen).toEqual([
      { id: 1, label: 'a\nb "c" é' },
      { id: 2, predictions: [1.5, null] },
    ]);
    expect(new FrameReader().push(bytes)).toHaveLength(2);
  });
});
