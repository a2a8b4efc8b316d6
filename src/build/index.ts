// The builder's public face: open it over the engine's services; build, prune.
import { isMountPoint } from '../sys/mounts.js';
import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { MNT_DETACH, mount, umount } from '../sys/libc.js';
import type { ContainerService } from '../containers/service.js';
import type { DistributionService } from '../distribution/index.js';
import type { ImageService } from '../images/service.js';
import type { LayerStore } from '../storage/layers.js';
import { SnapshotStore } from '../storage/snapshots.js';
import { Builder } from './builder.js';
import { BuildCache } from './cache.js';

/**
 * Contexts and COPY upper dirs are staged on a tmpfs: they are written once and thrown away,
 * and creating a file costs ~10 µs there against ~200 µs on this host's disk. Pages are only
 * used while a build holds them; a context larger than a quarter of RAM fails with ENOSPC.
 */
async function stagingTmpfs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (isMountPoint(dir)) return;
  try {
    mount('tmpfs', dir, 'tmpfs', 0, `mode=0700,size=${Math.floor(totalmem() / 4)}`);
  } catch {
    // Without the right to mount (a rootless tugd), staging stays on disk: slower, not wrong.
  }
}

/** At shutdown: the staging tmpfs (and any COPY mount in it) goes, so a stopped tugd leaves no mount behind. */
export function closeStaging(dataRoot: string): void {
  try {
    umount(join(dataRoot, 'build', 'tmp'), MNT_DETACH);
  } catch {
    // Never mounted (rootless): nothing to undo.
  }
}

export { Builder, type BuildMessage, type BuildOptions, type BuildResult } from './builder.js';

/** Build state under data-root/build: the cache index, cache mounts, COPY mounts, staging. */
export async function openBuilder(dataRoot: string, s: { images: ImageService; containers: ContainerService; layers: LayerStore; distribution: DistributionService }): Promise<Builder> {
  const root = join(dataRoot, 'build');
  const tmpRoot = join(root, 'tmp');
  await stagingTmpfs(tmpRoot);
  const builder = new Builder({
    images: s.images,
    distribution: s.distribution,
    containers: s.containers,
    mounts: new SnapshotStore(join(tmpRoot, 'mounts'), s.layers),
    cache: new BuildCache(join(root, 'cache')),
    cacheMountRoot: join(root, 'cache-mounts'),
    tmpRoot,
  });
  await builder.init();
  return builder;
}
