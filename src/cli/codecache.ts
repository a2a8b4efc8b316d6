// The CLI's V8 code cache file: a stamp naming the bundle it was made from, then V8's data.
import { closeSync, fstatSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';

/** The cache starts with a stamp of the bundle it was made from: V8 itself only checks the source length. */
export const STAMP_BYTES = 64;

export function bundleStamp(size: number, mtimeMs: number): Buffer {
  return Buffer.from(`tug-code-cache ${size} ${mtimeMs}`.padEnd(STAMP_BYTES).slice(0, STAMP_BYTES), 'latin1');
}

/** The cached data after the stamp, or undefined when the cache is missing or from another bundle. */
export function readCache(path: string, stamp: Buffer): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= STAMP_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(size);
    if (readSync(fd, buf, 0, size, 0) !== size || !buf.subarray(0, STAMP_BYTES).equals(stamp)) return undefined;
    return buf.subarray(STAMP_BYTES);
  } finally {
    closeSync(fd);
  }
}

/** Temp file and rename: concurrent CLIs never see half a cache. A read-only install simply keeps none. */
export function writeCache(path: string, stamp: Buffer, data: Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([stamp, data]));
    renameSync(tmp, path);
  } catch {
    // No cache this time: the next run compiles again.
  }
}

