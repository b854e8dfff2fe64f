/**
 * Frames between the serving process and a Python worker: a 4-byte big-endian length, then that
 * many bytes of UTF-8 JSON. JSON rather than Arrow IPC because the batches are small (one to a
 * few dozen tabular records), where Arrow's schema per message costs more than the values, both
 * ends parse JSON in C, and Node would need no extra library; length prefixes rather than lines
 * so a string value may hold any character.
 */

/** A frame's bytes for one message. */
export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Collects chunks of a byte stream and yields each complete frame's message. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds a chunk; returns the messages it completed, in order. */
  push(chunk: Buffer): unknown[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: unknown[] = [];
    let offset = 0;
    while (this.buffered.length - offset >= 4) {
      const length = this.buffered.readUInt32BE(offset);
      if (this.buffered.length - offset - 4 < length) break;
      const body = this.buffered.subarray(offset + 4, offset + 4 + length);
      messages.push(JSON.parse(body.toString('utf8')));
      offset += 4 + length;
    }
    this.buffered = offset === 0 ? this.buffered : this.buffered.subarray(offset);
    return messages;
  }
}
