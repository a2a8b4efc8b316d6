// Reads a layer tar's headers a step ahead of tar-stream while hashing it: bounds PAX and
// long-name records, stops at the end-of-archive blocks as Go's reader does, and keeps xattr
// values as raw bytes. Not the security boundary: apply.ts's writer is.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidParameterError } from '../errors.js';

const MAX_ENTRIES = 2_000_000;
const MAX_LONG_HEADER = 1 << 20;
const LONG_HEADERS: Record<number, string> = { 0x78: 'PAX', 0x67: 'PAX global', 0x4c: 'GNU long name', 0x4b: 'GNU long link', 0x4e: 'GNU long name' };
const BLOCK = 512;

/** A tar number field read as tar-stream reads it: octal, or base-256 when the top bit is set. */
function tarNumber(b: Buffer): number {
  if ((b[0] as number) & 0x80) {
    if (b[0] !== 0x80) return NaN;
    return b.subarray(1).reduce((n, byte) => n * 256 + byte, 0);
  }
  const digits = (b.toString('latin1').replace(/^ +/, '').split(' ')[0] as string).replace(/^\0+/, '');
  return digits === '' ? 0 : Number.parseInt(digits, 8);
}

interface Pax { size?: string; xattrs: Map<string, Buffer> }

/** The `size` record and the raw `SCHILY.xattr.*` values of a PAX header. */
function parsePax(buf: Buffer): Pax {
  const out: Pax = { xattrs: new Map() };
  for (let off = 0; off < buf.length;) {
    const sp = buf.indexOf(0x20, off);
    const len = sp < 0 ? NaN : Number.parseInt(buf.toString('latin1', off, sp), 10);
    if (!(len > sp - off + 1) || off + len > buf.length) break; // malformed: stop, as tar-stream does
    const record = buf.subarray(sp + 1, off + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq < 0) break;
    const key = record.toString('utf8', 0, eq);
    if (key === 'size') out.size = record.toString('latin1', eq + 1);
    else if (key.startsWith('SCHILY.xattr.')) out.xattrs.set(key.slice(13), Buffer.from(record.subarray(eq + 1)));
    off += len;
  }
  return out;
}

/**
 * Hashes the layer and reads its headers a step ahead of tar-stream: to bound PAX and long-name
 * records before they are buffered, to stop at the end-of-archive blocks as Go's reader does,
 * and to keep xattr values as bytes (tar-stream decodes PAX values as UTF-8, which mangles
 * binary ones such as security.capability). Not the security boundary: LayerWriter is.
 */
export class TarScanner extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private digest = '';
  private pos = 0;
  private skip = 0;
  private readonly block = Buffer.alloc(BLOCK);
  private filled = 0;
  private long: { flag: number; size: number; chunks: Buffer[]; got: number } | undefined;
  private local: Pax | undefined;
  private globalSize: string | undefined;
  private zeros = 0;
  private ended = false;
  private entries = 0;
  /** Raw xattrs by the stream offset of their entry's data (tar-stream's header.byteOffset). */
  private readonly xattrs = new Map<number, Map<string, Buffer>>();

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.ended) return cb(); // padding after the end blocks: hashed, not parsed
    try {
      cb(null, this.scan(chunk));
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    this.digest = `sha256:${this.hash.digest('hex')}`;
    cb();
  }

  result(): { diffID: string; size: number } {
    return { diffID: this.digest, size: this.bytes };
  }

  takeXattrs(offset: number | undefined): Map<string, Buffer> | undefined {
    const x = offset === undefined ? undefined : this.xattrs.get(offset);
    if (x) this.xattrs.delete(offset as number);
    return x;
  }

  private scan(chunk: Buffer): Buffer {
    const start = this.pos;
    this.pos += chunk.length;
    for (let i = 0; i < chunk.length;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
      } else if (this.long) {
        const n = Math.min(this.long.size - this.long.got, chunk.length - i);
        this.long.chunks.push(Buffer.from(chunk.subarray(i, i + n)));
        this.long.got += n;
        i += n;
        if (this.long.got === this.long.size) this.endLong();
      } else {
        const n = Math.min(BLOCK - this.filled, chunk.length - i);
        chunk.copy(this.block, this.filled, i, i + n);
        this.filled += n;
        i += n;
        if (this.filled < BLOCK) continue;
        this.filled = 0;
        this.header(start + i - BLOCK);
        if (this.ended) return chunk.subarray(0, i);
      }
    }
    return chunk;
  }

  private header(at: number): void {
    const b = this.block;
    let sum = 0;
    for (let k = 0; k < BLOCK; k++) sum += k >= 148 && k < 156 ? 0x20 : (b[k] as number);
    if (sum === 8 * 0x20) {
      this.ended = ++this.zeros === 2;
      return;
    }
    this.zeros = 0;
    const bad = (why: string) => new InvalidParameterError(`invalid layer tar: ${why} in the header at offset ${at}`);
    if (sum !== tarNumber(b.subarray(148, 156))) throw bad('checksum mismatch');
    const flag = b[156] as number;
    let size = tarNumber(b.subarray(124, 136));
    if (!(size >= 0)) throw bad('invalid size');
    const long = LONG_HEADERS[flag];
    if (long !== undefined) {
      if (size > MAX_LONG_HEADER) throw bad(`${long} record of ${size} bytes (at most ${MAX_LONG_HEADER})`);
      this.long = { flag, size, chunks: [], got: 0 };
      if (size === 0) this.endLong();
      return;
    }
    if (++this.entries > MAX_ENTRIES) throw new InvalidParameterError(`invalid layer tar: more than ${MAX_ENTRIES} entries`);
    const local = this.local;
    this.local = undefined;
    // tar-stream merges the global PAX record into a local one only.
    const paxSize = local ? (local.size ?? this.globalSize) : undefined;
    if (paxSize) size = Number.parseInt(paxSize, 10);
    if (!(size >= 0)) throw bad('invalid PAX size');
    if (flag === 0x35 || ((flag === 0 || flag === 0x30) && this.oldStyleDir())) size = 0;
    if (local?.xattrs.size) this.xattrs.set(at + BLOCK, local.xattrs);
    this.skip = size + ((BLOCK - (size % BLOCK)) % BLOCK);
  }

  /** tar-stream takes a plain file whose name ends in '/' for a directory, without data. */
  private oldStyleDir(): boolean {
    const b = this.block;
    const end = b.subarray(0, 100).indexOf(0);
    const len = end < 0 ? 100 : end;
    if (len > 0) return b[len - 1] === 0x2f;
    return b.toString('latin1', 257, 263) === 'ustar\0' && b[345] !== 0;
  }

  private endLong(): void {
    const long = this.long as NonNullable<TarScanner['long']>;
    this.long = undefined;
    if (long.flag === 0x78) this.local = parsePax(Buffer.concat(long.chunks));
    else if (long.flag === 0x67) this.globalSize = parsePax(Buffer.concat(long.chunks)).size;
    this.skip = (BLOCK - (long.size % BLOCK)) % BLOCK;
  }
}
