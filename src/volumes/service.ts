// The volume service: create, inspect, list, remove and prune, with dockerd's texts. Which
// containers use a volume is read from the container records (never kept twice), so a crash
// cannot leave a reference count wrong.
import { dirSize } from '../storage/dirsize.js';
import { ConflictError, NotFoundError, TugError } from '../errors.js';
import type { EventPublisher } from '../events/index.js';
import { checkListFilters, checkPruneFilters, listMatches, pruneMatches, type Filters } from './filters.js';
import { mountVolume, needsMount, unmountVolume, validateOptions } from './local.js';
import { anonymousName, checkVolumeName } from './names.js';
import type { VolumeStore } from './store.js';
import { ANONYMOUS_LABEL, type VolumeRecord, type VolumeView } from './types.js';

export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** Which containers refer to a volume, and which of those are running. */
export interface VolumeUsers {
  containers(name: string): string[];
  running(name: string): string[];
}

const noUsers: VolumeUsers = { containers: () => [], running: () => [] };

/** dockerd's OpErr: "<op> <name>: <reason>", keeping the error's kind. */
function opError(op: string, name: string, err: unknown): never {
  if (err instanceof TugError) throw new TugError(err.kind, `${op} ${name}: ${err.message}`, err.code, { cause: err });
  throw err;
}

export class VolumeService {
  users: VolumeUsers = noUsers;
  private readonly creating = new Map<string, Promise<VolumeRecord>>();

  constructor(private readonly store: VolumeStore, private readonly events?: EventPublisher) {}

  /** Loads the records. An option volume left mounted by a crash stays so until it is removed. */
  async init(): Promise<void> {
    await this.store.init();
  }

  private emit(action: string, name: string, attrs: Record<string, string> = {}): void {
    this.events?.publish('volume', action, { ID: name, Attributes: { driver: 'local', ...attrs } });
  }

  view(v: VolumeRecord): VolumeView {
    return { CreatedAt: v.CreatedAt, Driver: v.Driver, Labels: v.Labels, Mountpoint: this.store.dataPath(v.Name), Name: v.Name, Options: v.Options, Scope: 'local' };
  }

  /** An existing name returns that volume (dockerd's rule); two creates of one name make one. */
  async create(body: VolumeCreateBody, opts: { anonymous?: boolean } = {}): Promise<VolumeRecord> {
    const name = body.Name || anonymousName();
    const pending = this.creating.get(name);
    if (pending) return pending;
    const made = this.createOnce(name, body, opts).finally(() => this.creating.delete(name));
    this.creating.set(name, made);
    return made;
  }

  private async createOnce(name: string, body: VolumeCreateBody, opts: { anonymous?: boolean }): Promise<VolumeRecord> {
    try {
      const driver = body.Driver || 'local';
      if (driver !== 'local') throw new NotFoundError(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
      checkVolumeName(name);
      const existing = this.store.find(name);
      if (existing) return existing;
      // Kept as sent: {} from `volume create`, null from a container's -v (as dockerd shows them).
      const options = body.DriverOpts ? { ...body.DriverOpts } : null;
      if (options) validateOptions(options);
      let labels = body.Labels ? { ...body.Labels } : null;
      if (opts.anonymous) labels = { ...(labels ?? {}), [ANONYMOUS_LABEL]: '' };
      const rec: VolumeRecord = { Name: name, Driver: 'local', CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), Labels: labels, Options: options };
      await this.store.save(rec);
      this.emit('create', name);
      return rec;
    } catch (err) {
      opError('create', name, err);
    }
  }

  get(name: string): VolumeRecord {
    const v = this.store.find(name);
    if (!v) throw new NotFoundError(`get ${name}: no such volume`);
    return v;
  }

  inspect(name: string): VolumeView {
    return this.view(this.get(name));
  }

  /** Warnings is null as dockerd sends it when there are none. */
  list(filters: Filters): { Volumes: VolumeView[]; Warnings: string[] | null } {
    checkListFilters(filters);
    const vols = this.store.all().filter((v) => listMatches(v, this.users.containers(v.Name).length > 0, filters));
    vols.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    return { Volumes: vols.map((v) => this.view(v)), Warnings: null };
  }

  /** Refused while any container refers to the volume, even with force (dockerd's rule). */
  async remove(name: string, force = false): Promise<void> {
    const v = this.store.find(name);
    if (!v) {
      if (force) return;
      throw new NotFoundError(`get ${name}: no such volume`);
    }
    const users = this.users.containers(name);
    if (users.length > 0) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    await unmountVolume(this.store.dataPath(name));
    await this.store.delete(name);
    this.emit('destroy', name);
  }

  async prune(filters: Filters): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    checkPruneFilters(filters);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const v of this.store.all()) {
      if (this.users.containers(v.Name).length > 0 || !pruneMatches(v, filters)) continue;
      const size = needsMount(v.Options) ? 0 : await dirSize(this.store.dataPath(v.Name));
      await this.remove(v.Name);
      deleted.push(v.Name);
      reclaimed += size;
    }
    this.events?.publish('volume', 'prune', { ID: '', Attributes: { reclaimed: String(reclaimed) } });
    return { VolumesDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: reclaimed };
  }

  /** A named volume for a container mount: the existing one, or a new one (`-v name:/path`). */
  async ensure(name: string, body: Omit<VolumeCreateBody, 'Name'> = {}): Promise<VolumeRecord> {
    return this.store.find(name) ?? (await this.create({ ...body, Name: name }));
  }

  /** A new anonymous volume (image VOLUME, `-v /path`, `--mount type=volume` without source). */
  createAnonymous(body: Omit<VolumeCreateBody, 'Name'> = {}): Promise<VolumeRecord> {
    return this.create(body, { anonymous: true });
  }

  isAnonymous(name: string): boolean {
    return Object.hasOwn(this.store.find(name)?.Labels ?? {}, ANONYMOUS_LABEL);
  }

  dataPath(name: string): string {
    return this.store.dataPath(name);
  }

  /** Before a container starts: the volume's own mount (driver options), then its data path. */
  async acquire(name: string, container: string, destination: string, rw: boolean): Promise<string> {
    const v = this.get(name);
    const path = this.store.dataPath(name);
    if (needsMount(v.Options)) await mountVolume(v.Options, path);
    this.emit('mount', name, { container, destination, propagation: '', 'read/write': String(rw) });
    return path;
  }

  /** After a container stopped: an option volume no running container uses is unmounted. */
  async release(name: string, container: string): Promise<void> {
    const v = this.store.find(name);
    if (!v) return;
    if (needsMount(v.Options) && this.users.running(name).every((id) => id === container)) await unmountVolume(this.store.dataPath(name));
    this.emit('unmount', name, { container });
  }

  /** Removes a container's anonymous volumes that no other container uses (`rm -v`, `--rm`). */
  async removeAnonymous(names: readonly string[], container: string): Promise<void> {
    for (const name of names) {
      if (!this.isAnonymous(name)) continue;
      if (this.users.containers(name).some((id) => id !== container)) continue;
      await unmountVolume(this.store.dataPath(name));
      await this.store.delete(name);
      this.emit('destroy', name);
    }
  }
}

