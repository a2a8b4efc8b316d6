// Docker's multiplexed stream framing (moby's pkg/stdcopy): when a container has no TTY, its
// stdout and stderr share one byte stream as frames of an 8-byte header — the stream type, three
// zero bytes, the payload length as big-endian uint32 — followed by the payload.

export const enum StdStream {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  /** Sent by dockerd ≥ 23 on attach/logs when the daemon has an error to tell mid-stream. */
  Systemerr = 3,
}

export const FRAME_HEADER_SIZE = 8;
/** Larger payloads are split: the header's length field is 32 bits, and readers buffer a frame. */
const MAX_FRAME_PAYLOAD = 1 << 20;

/** One or more frames carrying `payload` on `stream`. */
export function encodeFrames(stream: StdStream, payload: Buffer): Buffer {
  if (payload.length <= MAX_FRAME_PAYLOAD) return Buffer.concat([frameHeader(stream, payload.length), payload]);
  const parts: Buffer[] = [];
  for (let off = 0; off < payload.length; off += MAX_FRAME_PAYLOAD) {
    const chunk = payload.subarray(off, off + MAX_FRAME_PAYLOAD);
    parts.push(frameHeader(stream, chunk.length), chunk);
  }
  return Buffer.concat(parts);
}

function frameHeader(stream: StdStream, length: number): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_SIZE);
  h[0] = stream;
  h.writeUInt32BE(length, 4);
  return h;
}

export interface Frame {
  stream: StdStream;
  payload: Buffer;
}

/**
 * Incremental parser: feed it bytes as they arrive, get whole frames back. A header with an
 * unknown stream type is an error, as in stdcopy.StdCopy, since the stream is then not framed.
 */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    const out: Frame[] = [];
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    let off = 0;
    while (buf.length - off >= FRAME_HEADER_SIZE) {
      const stream = buf[off]!;
      if (stream > StdStream.Systemerr) throw new Error(`unrecognized stream: ${stream}`);
      const length = buf.readUInt32BE(off + 4);
      if (buf.length - off - FRAME_HEADER_SIZE < length) break;
      out.push({ stream, payload: buf.subarray(off + FRAME_HEADER_SIZE, off + FRAME_HEADER_SIZE + length) });
      off += FRAME_HEADER_SIZE + length;
    }
    buf = buf.subarray(off);
    this.pending = buf.length ? [buf] : [];
    this.pendingLength = buf.length;
    return out;
  }

  /** Bytes of an unfinished frame; non-zero at end of stream means the stream was cut short. */
  get buffered(): number {
    return this.pendingLength;
  }
}
