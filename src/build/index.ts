// The builder's public face: open it over the engine's services; build, prune.
import { join } from 'node:path';
import type { ContainerService } from '../containers/service.js';
import type { ImageService } from '../images/service.js';
import type { LayerStore } from '../storage/layers.js';
import { SnapshotStore } from '../storage/snapshots.js';
import { Builder } from './builder.js';
import { BuildCache } from './cache.js';

export { Builder, type BuildMessage, type BuildOptions, type BuildResult } from './builder.js';

/** Build state under data-root/build: the cache index, cache mounts, COPY mounts, staging. */
export async function openBuilder(dataRoot: string, s: { images: ImageService; containers: ContainerService; layers: LayerStore }): Promise<Builder> {
  const root = join(dataRoot, 'build');
  const builder = new Builder({
    images: s.images,
    containers: s.containers,
    mounts: new SnapshotStore(join(root, 'mounts'), s.layers),
    cache: new BuildCache(join(root, 'cache')),
    cacheMountRoot: join(root, 'cache-mounts'),
    tmpRoot: join(root, 'tmp'),
  });
  await builder.init();
  return builder;
}
