// The shared blob store. A blob is written elsewhere (an upload's data file), verified against
// its digest, fsynced and renamed into blobs/sha256/: a reader never sees a partial blob.
// A blob's mtime is its liveness for the garbage collector: committing, finding it present
// for a push and linking it into a manifest all bump it (see gc.ts).
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, utimes, writeFile, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isErrno } from '../../errors.js';
import { fsyncDir } from '../../storage/atomic.js';
import { RegistryError } from '../errors.js';
import type { Layout } from './layout.js';

export class BlobStore {
  constructor(private readonly layout: Layout) {}

  async init(): Promise<void> {
    await mkdir(this.layout.blobDir, { recursive: true });
  }

  /** The blob's size, or undefined when the store does not hold it. */
  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.layout.blob(digest))).size;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** Marks the blob as just used; false when it is gone (swept or never there). */
  async touch(digest: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.layout.blob(digest), now, now);
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  reader(digest: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.layout.blob(digest), { ...range, highWaterMark: 1 << 20 });
  }

  async read(digest: string): Promise<Buffer> {
    const fh = await open(this.layout.blob(digest), 'r');
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  /**
   * Moves an already verified and fsynced file into place. When the blob is already there
   * (ten clients pushing one layer) the copy is dropped and the stored one kept.
   */
  async commitFile(path: string, digest: string): Promise<void> {
    if (await this.touch(digest)) {
      await rm(path, { force: true });
      return;
    }
    await rename(path, this.layout.blob(digest));
    await fsyncDir(this.layout.blobDir);
    // The bytes may be hours old (a resumed upload); the blob is new now.
    await this.touch(digest);
  }

  /** Stores small content held in memory (a manifest) whose digest the caller computed. */
  async commitBytes(data: Buffer, digest: string): Promise<void> {
    if (await this.touch(digest)) return;
    const tmp = `${this.layout.blob(digest)}.tmp-${randomBytes(6).toString('hex')}`;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.layout.blob(digest));
    await fsyncDir(dirname(tmp));
  }

  async remove(digest: string): Promise<void> {
    await rm(this.layout.blob(digest), { force: true });
  }
}

/** Creates an empty link file (a repository's claim on a blob); idempotent. */
export async function writeLink(path: string, content = ''): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return false;
    throw err;
  }
}

export function blobUnknown(digest: string): RegistryError {
  return new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
}
