// The content store: blobs addressed by sha256, as an OCI image layout's `blobs/` holds them.
// A blob becomes visible only by rename after its digest has been checked.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidParameterError, NotFoundError, isErrno } from '../errors.js';
import { fsyncDir } from './atomic.js';
import { encoded, validateDigest } from './digest.js';

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface IngestOptions {
  /** When given, the blob is refused unless its bytes hash to this digest. */
  expected?: string;
  expectedSize?: number;
  signal?: AbortSignal;
}

export class ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(readonly root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    // Anything still in ingest/ was being written when the daemon stopped: never a blob.
    await rm(this.ingestDir, { recursive: true, force: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  path(digest: string): string {
    return join(this.blobDir, encoded(validateDigest(digest)));
  }

  async info(digest: string): Promise<BlobInfo> {
    try {
      const st = await stat(this.path(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new NotFoundError(`blob ${digest} not found`);
      throw err;
    }
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(this.path(digest));
      return true;
    } catch {
      return false;
    }
  }

  reader(digest: string, opts?: { start?: number; end?: number }): Readable {
    return createReadStream(this.path(digest), opts);
  }

  async read(digest: string, maxSize = 8 << 20): Promise<Buffer> {
    const { size } = await this.info(digest);
    if (size > maxSize) throw new InvalidParameterError(`blob ${digest} is larger than ${maxSize} bytes`);
    const fh = await open(this.path(digest), 'r');
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async readJSON<T>(digest: string, maxSize?: number): Promise<T> {
    const data = await this.read(digest, maxSize);
    try {
      return JSON.parse(data.toString('utf8')) as T;
    } catch {
      throw new InvalidParameterError(`blob ${digest} is not valid JSON`);
    }
  }

  /** Streams `source` into the store; returns the digest it hashed to. */
  async ingest(source: Readable, opts: IngestOptions = {}): Promise<BlobInfo> {
    const tmp = join(this.ingestDir, randomBytes(8).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    try {
      const out = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        out,
        { signal: opts.signal },
      );
      const digest = 'sha256:' + hash.digest('hex');
      if (opts.expected !== undefined && opts.expected !== digest) {
        throw new InvalidParameterError(`digest mismatch: expected ${opts.expected}, got ${digest}`);
      }
      if (opts.expectedSize !== undefined && opts.expectedSize !== size) {
        throw new InvalidParameterError(`size mismatch for ${digest}: expected ${opts.expectedSize}, got ${size}`);
      }
      const fh = await open(tmp, 'r');
      await fh.sync();
      await fh.close();
      await rename(tmp, this.path(digest));
      await fsyncDir(this.blobDir);
      return { digest, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Moves a finished file into the store under `digest`, which the caller computed while
   * writing it (a registry download hashed as it streamed); the file must be on this filesystem.
   */
  async adopt(file: string, digest: string): Promise<BlobInfo> {
    const fh = await open(file, 'r');
    let size: number;
    try {
      await fh.sync();
      size = (await fh.stat()).size;
    } finally {
      await fh.close();
    }
    await rename(file, this.path(digest));
    await fsyncDir(this.blobDir);
    return { digest, size };
  }

  async write(data: Buffer | string, expected?: string): Promise<BlobInfo> {
    return this.ingest(Readable.from([Buffer.from(data)]), { expected });
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.blobDir);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }
}
