// Container records on disk (<root>/<id>/config.v2.json, replaced atomically) and in memory,
// looked up as dockerd does: full ID, name, then unique ID prefix.
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, InvalidParameterError, NotFoundError, isErrno } from '../errors.js';
import { writeJSONAtomic } from '../storage/atomic.js';
import type { Trash } from '../storage/trash.js';
import type { ContainerRecord } from './types.js';

export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();
  private readonly byName = new Map<string, string>();
  /** Each container's last write, so the next one waits for it. */
  private readonly writes = new Map<string, Promise<void>>();
  /** Containers removed lately: a write still on its way for one of them is dropped. */
  private readonly removed = new Set<string>();

  /** `trash`: a removed container's directory (its logs included) is deleted in the background. */
  constructor(readonly root: string, private readonly trash?: Trash) {}

  /** Loads every record; a directory whose record never made it to disk is a crashed create. */
  async init(): Promise<string[]> {
    await mkdir(this.root, { recursive: true, mode: 0o710 });
    const orphans: string[] = [];
    for (const id of await readdir(this.root)) {
      try {
        const rec = JSON.parse(await readFile(join(this.root, id, 'config.v2.json'), 'utf8')) as ContainerRecord;
        this.byId.set(rec.ID, rec);
        this.byName.set(rec.Name, rec.ID);
      } catch (err) {
        if (!isErrno(err, 'ENOENT') && !(err instanceof SyntaxError)) throw err;
        orphans.push(id);
      }
    }
    return orphans;
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  /** dockerd's GetContainer: exact ID, then name, then a unique ID prefix. */
  find(ref: string): ContainerRecord | undefined {
    if (!ref) return undefined;
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const named = this.byName.get(ref.startsWith('/') ? ref : `/${ref}`);
    if (named) return this.byId.get(named);
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    let found: ContainerRecord | undefined;
    for (const [id, rec] of this.byId) {
      if (!id.startsWith(ref)) continue;
      if (found) throw new InvalidParameterError(`multiple IDs found with provided prefix: ${ref}`);
      found = rec;
    }
    return found;
  }

  get(ref: string): ContainerRecord {
    const rec = this.find(ref);
    if (!rec) throw new NotFoundError(`No such container: ${ref}`);
    return rec;
  }

  /** Claims a name for an ID; dockerd's conflict text when another container holds it. */
  reserveName(name: string, id: string): void {
    const holder = this.byName.get(name);
    if (holder && holder !== id) {
      throw new ConflictError(`Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    this.byName.set(name, id);
  }

  releaseName(name: string, id: string): void {
    if (this.byName.get(name) === id) this.byName.delete(name);
  }

  hasName(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * Writes the record. Writes of one container go one after another, so the last one made is the
   * one on disk; a write that comes after the container's removal is dropped (it would bring the
   * removed record back).
   */
  async save(rec: ContainerRecord): Promise<void> {
    const write = (this.writes.get(rec.ID) ?? Promise.resolve()).then(async () => {
      if (this.removed.has(rec.ID)) return;
      await mkdir(this.dir(rec.ID), { recursive: true, mode: 0o710 });
      await writeJSONAtomic(join(this.dir(rec.ID), 'config.v2.json'), rec);
      this.byId.set(rec.ID, rec);
      this.byName.set(rec.Name, rec.ID);
    });
    const settled = write.catch(() => undefined);
    this.writes.set(rec.ID, settled);
    void settled.then(() => { if (this.writes.get(rec.ID) === settled) this.writes.delete(rec.ID); });
    await write;
  }

  async delete(rec: ContainerRecord): Promise<void> {
    this.removed.add(rec.ID);
    // IDs are never reused; the mark only has to outlive writes already under way.
    setTimeout(() => this.removed.delete(rec.ID), 60_000).unref();
    await this.writes.get(rec.ID);
    // The record goes first: a crash after it leaves a directory init() reports as an orphan.
    // In place: one unlink, where the thread pool's round trip costs a removal more.
    rmSync(join(this.dir(rec.ID), 'config.v2.json'), { force: true });
    this.byId.delete(rec.ID);
    this.releaseName(rec.Name, rec.ID);
    if (this.trash) await this.trash.discard(this.dir(rec.ID));
    else await rm(this.dir(rec.ID), { recursive: true, force: true });
  }
}
