// Image records (one JSON file per image ID) and the reference → image map, both written
// crash-safely. Everything is held in memory too: lists and lookups never touch the disk.
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError, NotFoundError, isErrno } from '../errors.js';
import { writeJSONAtomic } from '../storage/atomic.js';
import { encoded } from '../storage/digest.js';
import { parseDockerRef, referenceString } from '../reference/index.js';
import type { ImageRecord } from './types.js';

interface RepositoriesFile {
  refs: Record<string, string>;
}

export class ImageStore {
  private readonly dbDir: string;
  private readonly reposFile: string;
  private readonly images = new Map<string, ImageRecord>();
  private refs = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {
    this.dbDir = join(root, 'db');
    this.reposFile = join(root, 'repositories.json');
  }

  async init(): Promise<void> {
    await mkdir(this.dbDir, { recursive: true });
    for (const name of await readdir(this.dbDir)) {
      if (name.startsWith('.tmp-')) {
        await rm(join(this.dbDir, name), { force: true });
        continue;
      }
      if (!/^[a-f0-9]{64}\.json$/.test(name)) continue;
      const rec = JSON.parse(await readFile(join(this.dbDir, name), 'utf8')) as ImageRecord;
      this.images.set(rec.id, rec);
    }
    try {
      const file = JSON.parse(await readFile(this.reposFile, 'utf8')) as RepositoriesFile;
      for (const [ref, id] of Object.entries(file.refs ?? {})) {
        // A ref can outlive its image only if a crash fell between the two writes.
        if (this.images.has(id)) this.refs.set(ref, id);
      }
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }

  /** Serialises writers: each mutation sees the state the previous one left. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get(id: string): ImageRecord | undefined {
    return this.images.get(id);
  }

  all(): ImageRecord[] {
    return [...this.images.values()];
  }

  /** Every reference (fully qualified) that points at `id`. */
  refsOf(id: string): string[] {
    const out: string[] = [];
    for (const [ref, target] of this.refs) if (target === id) out.push(ref);
    return out.sort();
  }

  allRefs(): Map<string, string> {
    return new Map(this.refs);
  }

  resolveRef(ref: string): string | undefined {
    return this.refs.get(ref);
  }

  children(id: string): ImageRecord[] {
    return this.all().filter((r) => r.parent === id);
  }

  async put(rec: ImageRecord): Promise<void> {
    await writeJSONAtomic(join(this.dbDir, `${encoded(rec.id)}.json`), rec);
    this.images.set(rec.id, rec);
  }

  async setRef(ref: string, id: string): Promise<void> {
    if (!this.images.has(id)) throw new NotFoundError(`No such image: ${id}`);
    this.refs.set(ref, id);
    await this.saveRefs();
  }

  async deleteRef(ref: string): Promise<void> {
    if (this.refs.delete(ref)) await this.saveRefs();
  }

  async delete(id: string): Promise<void> {
    let changed = false;
    for (const [ref, target] of this.refs) {
      if (target === id) {
        this.refs.delete(ref);
        changed = true;
      }
    }
    if (changed) await this.saveRefs();
    await rm(join(this.dbDir, `${encoded(id)}.json`), { force: true });
    this.images.delete(id);
  }

  /**
   * Finds an image the way dockerd does: a full or short ID, then a reference (tag or
   * digest), then a unique ID prefix.
   */
  lookup(name: string): ImageRecord | undefined {
    const id = /^(sha256:)?[a-f0-9]{64}$/.test(name) ? (name.startsWith('sha256:') ? name : `sha256:${name}`) : undefined;
    if (id !== undefined) return this.images.get(id);
    let refTarget: string | undefined;
    try {
      refTarget = this.refs.get(referenceString(parseDockerRef(name)));
    } catch (err) {
      if (!(err instanceof InvalidParameterError)) throw err;
    }
    if (refTarget !== undefined) return this.images.get(refTarget);
    const prefix = name.startsWith('sha256:') ? name.slice(7) : name;
    if (/^[a-f0-9]+$/.test(prefix)) {
      const matches = this.all().filter((r) => encoded(r.id).startsWith(prefix));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  private saveRefs(): Promise<void> {
    const refs: Record<string, string> = {};
    for (const key of [...this.refs.keys()].sort()) refs[key] = this.refs.get(key)!;
    return writeJSONAtomic(this.reposFile, { refs } satisfies RepositoriesFile);
  }
}
