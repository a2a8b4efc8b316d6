// Network records on disk (<root>/<id>.json, replaced atomically) and in memory, looked up as
// dockerd does: full ID, then name, then a unique ID prefix.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, isErrno } from '../errors.js';
import { writeJSONAtomic } from '../storage/atomic.js';
import type { NetworkRecord } from './types.js';

export class NetworkStore {
  private readonly byId = new Map<string, NetworkRecord>();

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    for (const f of await readdir(this.root)) {
      if (!f.endsWith('.json')) continue;
      try {
        const rec = JSON.parse(await readFile(join(this.root, f), 'utf8')) as NetworkRecord;
        this.byId.set(rec.Id, rec);
      } catch (err) {
        // A temp file a crash left behind never became a record.
        if (!isErrno(err, 'ENOENT') && !(err instanceof SyntaxError)) throw err;
      }
    }
  }

  all(): NetworkRecord[] {
    return [...this.byId.values()];
  }

  find(ref: string): NetworkRecord | undefined {
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const named = this.all().find((n) => n.Name === ref);
    if (named) return named;
    const prefixed = ref.length > 0 ? this.all().filter((n) => n.Id.startsWith(ref)) : [];
    return prefixed.length === 1 ? prefixed[0] : undefined;
  }

  get(ref: string): NetworkRecord {
    const n = this.find(ref);
    if (!n) throw new NotFoundError(`network ${ref} not found`);
    return n;
  }

  async save(rec: NetworkRecord): Promise<void> {
    await writeJSONAtomic(join(this.root, `${rec.Id}.json`), rec);
    this.byId.set(rec.Id, rec);
  }

  async delete(rec: NetworkRecord): Promise<void> {
    await rm(join(this.root, `${rec.Id}.json`), { force: true });
    this.byId.delete(rec.Id);
  }
}
