// Crash-safe file writes: temp file in the same directory, fsync, rename, fsync the directory.
// The two fsyncs (the cost) go to the thread pool; the opens, the write of a small record, the
// close and the rename are done in place, where each would be a round trip of its own.
import { randomBytes } from 'node:crypto';
import { closeSync, fsync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const fsyncFd = promisify(fsync);

/** fsync of an fd this module opened; closed whatever happens. */
async function syncAndClose(fd: number): Promise<void> {
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  await syncAndClose(openSync(dir, 'r'));
}

export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'w', mode);
  try {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    await syncAndClose(fd);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

export async function writeJSONAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
