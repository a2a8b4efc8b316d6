// Volume records on disk as dockerd lays them out: <root>/<name>/_data holds the data and
// <root>/<name>/volume.json the metadata, replaced atomically. A directory without a record is
// a create or a removal that a crash cut short, finished at the next start.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../errors.js';
import { fsyncDir, writeJSONAtomic } from '../storage/atomic.js';
import type { VolumeRecord } from './types.js';

const RECORD = 'volume.json';

export class VolumeStore {
  private readonly byName = new Map<string, VolumeRecord>();

  constructor(readonly root: string) {}

  /** Loads every record; returns the names of directories that had none (and removes them). */
  async init(): Promise<string[]> {
    await mkdir(this.root, { recursive: true, mode: 0o701 });
    const orphans: string[] = [];
    for (const name of await readdir(this.root)) {
      if (name.startsWith('.')) continue;
      try {
        const rec = JSON.parse(await readFile(join(this.root, name, RECORD), 'utf8')) as VolumeRecord;
        if (rec.Name === name) {
          this.byName.set(name, rec);
          continue;
        }
      } catch (err) {
        if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR') && !(err instanceof SyntaxError)) throw err;
      }
      orphans.push(name);
    }
    for (const name of orphans) await rm(join(this.root, name), { recursive: true, force: true });
    return orphans;
  }

  dataPath(name: string): string {
    return join(this.root, name, '_data');
  }

  find(name: string): VolumeRecord | undefined {
    return this.byName.get(name);
  }

  all(): VolumeRecord[] {
    return [...this.byName.values()];
  }

  /** The data directory first, then the record: a crash between them leaves an orphan. */
  async save(rec: VolumeRecord): Promise<void> {
    await mkdir(this.dataPath(rec.Name), { recursive: true, mode: 0o755 });
    await writeJSONAtomic(join(this.root, rec.Name, RECORD), rec);
    await fsyncDir(this.root);
    this.byName.set(rec.Name, rec);
  }

  /** The record first, so a crash part-way leaves a directory init() clears. */
  async delete(name: string): Promise<void> {
    await rm(join(this.root, name, RECORD), { force: true });
    this.byName.delete(name);
    await rm(join(this.root, name), { recursive: true, force: true });
  }
}
