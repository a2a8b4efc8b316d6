// Rotated logs kept gzip-compressed (`--log-opt compress=true`, and the `local` driver's default), as
// dockerd's loggerutils keeps them: once `<log>` is rotated to `<log>.1`, that file becomes `<log>.1.gz`,
// whose gzip header carries the time of the file's last entry in its extra field (Go's
// gzip.Header.Extra holding `{"lastTime":"<RFC 3339>"}`), so that `logs --since` passes over older
// files without decompressing them. The .gz is written under a temporary name, synced and renamed in
// before the plain file is removed: a reader or a crash at any point finds one whole copy, and a plain
// `.1` found at start-up is compressed again. A reader decompresses a file it needs into an unlinked
// temporary file beside it, which goes when it is closed.
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw, createGunzip } from 'node:zlib';
import { parseRFC3339Nano, rfc3339Nano } from '../../units/time.js';

const FEXTRA = 0x04;
/** Go's gzip writer: no modification time, XFL 0 at the default level, OS 255 (unknown). */
const GO_OS_UNKNOWN = 255;

/** A gzip member header (RFC 1952) with an extra field and nothing else, as Go's gzip.Writer writes it. */
export function gzipHeader(extra: Buffer): Buffer {
  if (extra.length > 0xffff) throw new RangeError('gzip extra field over 64 KiB');
  const h = Buffer.alloc(12 + extra.length);
  h.set([0x1f, 0x8b, 8, FEXTRA, 0, 0, 0, 0, 0, GO_OS_UNKNOWN]);
  h.writeUInt16LE(extra.length, 10);
  extra.copy(h, 12);
  return h;
}

/** The extra field of a gzip header; undefined when `head` is no gzip header or has none. */
export function gzipExtra(head: Buffer): Buffer | undefined {
  if (head.length < 12 || head[0] !== 0x1f || head[1] !== 0x8b || !((head[3] ?? 0) & FEXTRA)) return undefined;
  const len = head.readUInt16LE(10);
  return head.length >= 12 + len ? head.subarray(12, 12 + len) : undefined;
}

/** The last entry time a compressed log's header gives; undefined when it gives none (or a zero time). */
export async function lastTimeOf(fh: FileHandle): Promise<bigint | undefined> {
  const head = Buffer.alloc(12 + 0xffff);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  const extra = gzipExtra(head.subarray(0, bytesRead));
  if (!extra) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(extra.toString('utf8'));
  } catch {
    return undefined;
  }
  const text = (meta as { lastTime?: unknown } | null)?.lastTime;
  const ns = typeof text === 'string' ? parseRFC3339Nano(text) : undefined;
  // Go's zero time (year 1) says nothing.
  return ns !== undefined && ns > 0n ? ns : undefined;
}

/** Passes bytes on, keeping their CRC-32 and count for the gzip trailer. */
class Checksum extends Transform {
  crc = 0;
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.crc = crc32(chunk, this.crc);
    this.size = (this.size + chunk.length) % 2 ** 32;
    done(null, chunk);
  }
}

/**
 * A pipeline's last step: appends to `fh`, which stays open. (A write stream of the handle made with
 * autoClose false keeps a reference to it that it never drops: fh.close() would then wait forever.)
 */
function writeTo(fh: FileHandle): (source: AsyncIterable<Buffer>) => Promise<void> {
  return async (source) => {
    for await (const chunk of source) await fh.write(chunk);
  };
}

/**
 * `<plain>` (a rotated log whose last entry was written at `lastTimeNs`) → `<plain>.gz`, then
 * `<plain>` goes. A failure leaves `<plain>` as it was.
 */
export async function compressRotated(plain: string, lastTimeNs: bigint | undefined): Promise<void> {
  const tmp = `${plain}.gz.tmp`;
  const src = await open(plain, 'r');
  try {
    const out = await open(tmp, 'w', 0o640);
    try {
      await out.write(gzipHeader(Buffer.from(JSON.stringify(lastTimeNs === undefined ? {} : { lastTime: rfc3339Nano(lastTimeNs) }))));
      const sum = new Checksum();
      await pipeline(src.createReadStream({ start: 0, autoClose: false }), sum, createDeflateRaw(), writeTo(out));
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(sum.crc >>> 0, 0);
      trailer.writeUInt32LE(sum.size, 4);
      await out.write(trailer);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, `${plain}.gz`);
    await rm(plain, { force: true });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await src.close();
  }
}

/** The decompressed contents of a .gz at `path` (open as `gz`), in a temporary file beside it that has no name. */
export async function decompressToTemp(gz: FileHandle, path: string): Promise<FileHandle> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const out = await open(tmp, 'w+', 0o600);
  try {
    await rm(tmp);
    await pipeline(gz.createReadStream({ start: 0, autoClose: false }), createGunzip(), writeTo(out));
    return out;
  } catch (err) {
    await out.close();
    throw err;
  }
}
