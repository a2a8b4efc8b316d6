// A container's filesystem from the outside: stat, tar out and tar in (`docker cp`), the
// changes of its upper dir (`diff`), the whole rootfs as a tar (`export`) and `commit`.
// Work goes through the overlay mount: the live one while the container runs, one made for
// the call (serialised with start) while it is stopped.
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError, InvalidParameterError, errorMessage } from '../../errors.js';
import type { Runtime } from '../../runtime/runc.js';
import type { ImageService } from '../../images/service.js';
import { familiarString, parseNormalizedNamed } from '../../reference/index.js';
import { resolveUser } from '../../runtime/spec/user.js';
import { extractArchive } from '../../storage/apply.js';
import type { SnapshotStore } from '../../storage/snapshots.js';
import { tarDirectory, tarPath } from '../../storage/tardir.js';
import type { PathStat } from '../../types/container-views.js';
import type { ContainerService } from '../service.js';
import type { ContainerRecord } from '../types.js';
import { overlayChanges, type Change } from './changes.js';
import { commitContainer, type CommitOptions } from './commit.js';
import { absContainerPath, goBase, lstatIn, resolveIn, resolvePath, RootfsView, statPath, type BindMount } from './paths.js';

export { overlayChanges, type Change } from './changes.js';

export interface PutOptions {
  noOverwriteDirNonDir?: boolean;
  copyUIDGID?: boolean;
  signal?: AbortSignal;
}

/**
 * What the container sees mounted from the host, for paths under them: binds and volumes (named,
 * anonymous, --volumes-from), from its mount points; a tmpfs is the container's own and not here.
 */
export function bindMounts(rec: ContainerRecord): BindMount[] {
  if (rec.MountPoints) {
    return Object.values(rec.MountPoints).filter((m) => (m.Type === 'bind' || m.Type === 'volume') && m.Source).map((m) => {
      const sub = m.Type === 'volume' ? m.Spec?.VolumeOptions?.Subpath : undefined;
      return { source: sub ? posix.join(m.Source, posix.normalize(`/${sub}`)) : m.Source, destination: m.Destination, readOnly: !m.RW };
    });
  }
  // A record from before mount points were kept: its -v and --mount binds.
  const out: BindMount[] = [];
  for (const b of rec.HostConfig.Binds ?? []) {
    const [source, destination, mode = ''] = b.split(':');
    if (source?.startsWith('/') && destination) out.push({ source, destination, readOnly: mode.split(',').includes('ro') });
  }
  for (const m of rec.HostConfig.Mounts ?? []) {
    if (m.Type === 'bind' && m.Source && m.Target) out.push({ source: m.Source, destination: m.Target, readOnly: !!m.ReadOnly });
  }
  return out;
}

/**
 * Pauses a running container; true once paused. Right after `runc start` runc may still call it
 * created ("not running") for a moment: asked again then. One that stays so has exited, or not
 * yet left runc's exec fifo: either way no process of it runs, and there is nothing to freeze.
 */
async function freezeContainer(runtime: Runtime, id: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await runtime.pause(id);
      return true;
    } catch (err) {
      if (!/not running/.test(errorMessage(err))) throw err;
      if (attempt >= 10) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

export class ContainerFilesystem {
  private readonly freezes = new Map<string, { users: number; ready: Promise<boolean> }>();

  constructor(
    private readonly containers: ContainerService,
    private readonly snapshots: SnapshotStore,
    private readonly images: ImageService,
  ) {}

  /**
   * Runs `fn` with a running container frozen, as dockerd 19.03 did for CVE-2018-15664: nothing
   * in it can swap a directory for a symlink while tugd walks or writes its rootfs by path.
   */
  private async frozen<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const rec = this.containers.store.get(id);
    let freeze = this.freezes.get(id);
    if (!freeze && (!rec.State.Running || rec.State.Paused)) return fn();
    const runtime = this.containers.runtime(rec);
    // Calls on one container share one freeze: the last to finish thaws it.
    if (!freeze) {
      freeze = { users: 0, ready: freezeContainer(runtime, id) };
      this.freezes.set(id, freeze);
    }
    freeze.users++;
    try {
      await freeze.ready;
      return await fn();
    } finally {
      if (--freeze.users === 0) {
        this.freezes.delete(id);
        if (await freeze.ready) await runtime.resume(id).catch(() => undefined);
      }
    }
  }

  /** The rootfs mounted (see ContainerService.withRootfs), with the container frozen if it runs. */
  private inRootfs<T>(id: string, fn: (view: RootfsView) => Promise<T>): Promise<T> {
    const binds = bindMounts(this.containers.store.get(id));
    return this.containers.withRootfs(id, (root) => this.frozen(id, () => fn(new RootfsView(root, binds))));
  }

  private record(ref: string): ContainerRecord {
    const rec = this.containers.store.get(ref);
    if (rec.State.Status === 'removing') throw new ConflictError(`container ${rec.ID} is marked for removal`);
    return rec;
  }

  /** HEAD /containers/{id}/archive. */
  async stat(ref: string, path: string): Promise<PathStat> {
    if (!path) throw new InvalidParameterError('path is required');
    return this.inRootfs(this.record(ref).ID, async (view) => {
      const { resolved, abs } = resolvePath(view, path);
      return statPath(view, resolved, abs, path, ref);
    });
  }

  /**
   * GET /containers/{id}/archive: the stat, then `send` gets the tar of the path (entries named
   * after the path's last element) and resolves once it has passed it all on.
   */
  async archive(ref: string, path: string, send: (stat: PathStat, tar: Readable) => Promise<void>): Promise<void> {
    if (!path) throw new InvalidParameterError('path is required');
    const rec = this.record(ref);
    await this.inRootfs(rec.ID, async (view) => {
      const { resolved, abs } = resolvePath(view, path);
      const stat = statPath(view, resolved, abs, path, ref);
      // "/foo/bar/" that resolved to ".../baz/": the entries still start with "bar".
      const tar = tarPath(resolved.replace(/\/\.?$/, '') || '/', goBase(abs));
      await send(stat, tar);
      this.containers.emit(rec, 'archive-path');
    });
  }

  /** PUT /containers/{id}/archive: extracts `content` into the directory at `path`. */
  async extract(ref: string, path: string, content: Readable, opts: PutOptions = {}): Promise<void> {
    if (!path) throw new InvalidParameterError('path is required');
    const rec = this.record(ref);
    await this.inRootfs(rec.ID, async (view) => {
      const root = view.root;
      // The last element is followed too: a symlink to a directory is a fine destination.
      const { parts, host: resolved } = resolveIn(view, absContainerPath(path), true);
      if (!lstatIn(resolved, path, ref).isDirectory()) throw new InvalidParameterError('extraction point is not a directory');
      const bind = view.mountOf(parts);
      if (bind?.mount.readOnly) throw new InvalidParameterError('mounted volume is marked read-only');
      if (!bind && rec.HostConfig.ReadonlyRootfs) throw new InvalidParameterError('container rootfs is marked read-only');
      // copyUIDGID: the container's user owns what is put in; with no user (or without it) the
      // tar's owners stay, as dockerd's applyTarCopyUserOptions.
      let chown: { uid: number; gid: number } | undefined;
      if (opts.copyUIDGID && rec.Config.User) {
        const [passwd, group] = await Promise.all([readOptional(join(root, 'etc/passwd')), readOptional(join(root, 'etc/group'))]);
        const user = resolveUser(rec.Config.User ?? '', passwd, group);
        chown = { uid: user.uid, gid: user.gid };
      }
      await extractArchive(content, resolved, { noOverwriteDirNonDir: opts.noOverwriteDirNonDir, chown, signal: opts.signal });
      this.containers.emit(rec, 'extract-to-dir');
    });
  }

  /** GET /containers/{id}/changes. */
  async changes(ref: string): Promise<Change[]> {
    const rec = this.record(ref);
    const lowers = await this.snapshots.lowers(rec.ID);
    return this.frozen(rec.ID, async () => overlayChanges(this.snapshots.upperDir(rec.ID), lowers));
  }

  /** GET /containers/{id}/export: the merged rootfs; `send` resolves once the tar has passed. */
  async export(ref: string, send: (tar: Readable) => Promise<void>): Promise<void> {
    const rec = this.record(ref);
    await this.inRootfs(rec.ID, async (view) => {
      await send(tarDirectory(view.root));
      this.containers.emit(rec, 'export');
    });
  }

  /** POST /commit: pauses a running container unless told not to, as dockerd does. */
  async commit(ref: string, opts: CommitOptions & { pause?: boolean }): Promise<{ Id: string }> {
    const rec = this.record(ref);
    const pause = opts.pause !== false && rec.State.Running && !rec.State.Paused;
    if (pause) await this.containers.pause(rec.ID);
    let image;
    try {
      image = await commitContainer(this.images, rec, this.snapshots.upperDir(rec.ID), opts);
    } finally {
      if (pause) await this.containers.unpause(rec.ID).catch(() => undefined);
    }
    const imageRef = opts.tag ? familiarString(parseNormalizedNamed(opts.tag)) : '';
    if (opts.tag) await this.images.logEvent('tag', image.id, imageRef);
    this.containers.emit(rec, 'commit', { comment: opts.comment ?? '', imageID: image.id, imageRef });
    return { Id: image.id };
  }
}
