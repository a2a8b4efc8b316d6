// A container's rootfs: an overlay of its image's unpacked layers (read-only lowers) under a
// writable upper dir of its own, in <root>/<id>/{diff,work,merged} like overlay2.
import { mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { mount, umount, MNT_DETACH } from '../sys/libc.js';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { LayerStore } from './layers.js';
import type { Trash } from './trash.js';

/** A mount(2) data string must fit in a page. */
const MAX_MOUNT_DATA = 4096;
const VOLATILE = ',volatile';

/** A kernel before 5.10 knows no volatile overlays: those mount the ordinary way there. */
function mountOverlay(target: string, data: string): void {
  try {
    mount('overlay', target, 'overlay', 0, data);
  } catch (err) {
    if (!data.endsWith(VOLATILE)) throw err;
    mount('overlay', target, 'overlay', 0, data.slice(0, -VOLATILE.length));
  }
}

export class SnapshotStore {
  /** `trash`: removed snapshots are renamed into it and deleted in the background. */
  constructor(readonly root: string, private readonly layers: LayerStore, private readonly trash?: Trash) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o710 });
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  upperDir(id: string): string {
    return join(this.dir(id), 'diff');
  }

  mergedDir(id: string): string {
    return join(this.dir(id), 'merged');
  }

  /**
   * Makes the directories of a new snapshot over `chainIDs` (bottom layer first). In place, as
   * the reads of `lower` and the mount check below: a handful of inodes costs less than as many
   * round trips to the thread pool, on every create and start.
   */
  async prepare(id: string, chainIDs: readonly string[]): Promise<void> {
    const dir = this.dir(id);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, 'diff'), { recursive: true, mode: 0o755 });
    mkdirSync(join(dir, 'work'), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, 'merged'), { recursive: true, mode: 0o755 });
    // An image without layers still needs one lower dir.
    if (chainIDs.length === 0) mkdirSync(join(dir, 'empty'), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, 'lower'), chainIDs.join('\n'));
  }

  /** The lower dirs of a snapshot, top layer first (as overlayfs takes them). */
  async lowers(id: string): Promise<string[]> {
    const text = readFileSync(join(this.dir(id), 'lower'), 'utf8');
    const chains = text.split('\n').filter(Boolean);
    if (chains.length === 0) return [join(this.dir(id), 'empty')];
    return chains.reverse().map((c) => this.layers.diffPath(c));
  }

  /** An overlay is a device of its own: merged is mounted when its device is not its parent's (mountinfo grows with every running container). */
  isMounted(id: string): boolean {
    const merged = statSync(this.mergedDir(id), { throwIfNoEntry: false });
    return merged !== undefined && merged.dev !== statSync(this.dir(id)).dev;
  }

  /**
   * Mounts the overlay (if it is not mounted yet) and returns the rootfs path. `volatile` (for
   * --rm containers, as Podman does) drops syncs to the upper dir: unmounting it then costs no
   * syncfs of the whole host filesystem, and a host crash only loses a container due to go anyway.
   */
  async mount(id: string, opts: { volatile?: boolean } = {}): Promise<string> {
    const merged = this.mergedDir(id);
    if (this.isMounted(id)) return merged;
    const lowers = await this.lowers(id);
    const dir = this.dir(id);
    const extra = opts.volatile ? VOLATILE : '';
    const absolute = `lowerdir=${lowers.join(':')},upperdir=${join(dir, 'diff')},workdir=${join(dir, 'work')}${extra}`;
    if (absolute.length < MAX_MOUNT_DATA) {
      mountOverlay(merged, absolute);
      return merged;
    }
    // Deep images: paths relative to the layer store fit more lowers in a page (overlay2's trick).
    const base = this.layers.root;
    const rel = `lowerdir=${lowers.map((l) => relative(base, l)).join(':')},upperdir=${join(dir, 'diff')},workdir=${join(dir, 'work')}${extra}`;
    if (rel.length >= MAX_MOUNT_DATA) throw new Error(`image has too many layers to mount (${lowers.length})`);
    const cwd = process.cwd();
    process.chdir(base);
    try {
      mountOverlay(merged, rel);
    } finally {
      process.chdir(cwd);
    }
    return merged;
  }

  unmount(id: string): void {
    umount(this.mergedDir(id), MNT_DETACH);
  }

  async remove(id: string): Promise<void> {
    this.unmount(id);
    if (this.trash) await this.trash.discard(this.dir(id));
    else await rm(this.dir(id), { recursive: true, force: true });
  }
}
