// Unpacked layers, one directory per ChainID, ready to be an overlay lowerdir. Two images
// with a common base share those directories. A layer appears by one rename, complete.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidParameterError, isErrno } from '../errors.js';
import { applyLayer, type ApplyResult } from './apply.js';
import { writeJSONAtomic } from './atomic.js';
import { encoded, sha256Digest } from './digest.js';

export interface Layer {
  chainID: string;
  diffID: string;
  parent?: string;
  /** Bytes of the uncompressed layer tar. */
  size: number;
}

export class LayerStore {
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  dir(chainID: string): string {
    return join(this.root, encoded(chainID));
  }

  diffPath(chainID: string): string {
    return join(this.dir(chainID), 'diff');
  }

  async get(chainID: string): Promise<Layer | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir(chainID), 'layer.json'), 'utf8')) as Layer;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  async has(chainID: string): Promise<boolean> {
    try {
      await stat(join(this.dir(chainID), 'layer.json'));
      return true;
    } catch {
      return false;
    }
  }

  /** Unpacks an uncompressed layer tar on top of `parent` (a ChainID) and records it. */
  async register(tar: Readable, parent: string | undefined, opts: { expectedDiffID?: string; signal?: AbortSignal } = {}): Promise<Layer> {
    return this.registerWith((dir) => applyLayer(tar, dir, { signal: opts.signal }), parent, opts);
  }

  /** As register, with `apply` filling the empty directory it is given (a pull does it on a worker). */
  async registerWith(apply: (dir: string) => Promise<ApplyResult>, parent: string | undefined, opts: { expectedDiffID?: string } = {}): Promise<Layer> {
    const work = join(this.tmpDir, randomBytes(8).toString('hex'));
    try {
      await mkdir(join(work, 'diff'), { recursive: true });
      const { diffID, size } = await apply(join(work, 'diff'));
      if (opts.expectedDiffID !== undefined && opts.expectedDiffID !== diffID) {
        throw new InvalidParameterError(`layer digest mismatch: expected ${opts.expectedDiffID}, got ${diffID}`);
      }
      const chainID = parent === undefined ? diffID : sha256Digest(`${parent} ${diffID}`);
      const layer: Layer = parent === undefined ? { chainID, diffID, size } : { chainID, diffID, parent, size };
      if (await this.has(chainID)) return layer;
      await writeJSONAtomic(join(work, 'layer.json'), layer);
      try {
        await rename(work, this.dir(chainID));
      } catch (err) {
        // Another registration of the same layer won the race: theirs is as good as ours.
        if (!isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'EEXIST')) throw err;
      }
      return layer;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async delete(chainID: string): Promise<void> {
    // Rename first so a crash never leaves a half-deleted layer under its real name.
    const doomed = join(this.tmpDir, `rm-${randomBytes(8).toString('hex')}`);
    try {
      await rename(this.dir(chainID), doomed);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.root);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }
}
