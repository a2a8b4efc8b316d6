// Opens the stores under data-root, recovers from whatever a crash left, and builds the
// services the API serves.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../api/services.js';
import { DistributionService } from '../distribution/index.js';
import { EventBus } from '../events/index.js';
import { ImageService } from '../images/service.js';
import { ImageStore } from '../images/store.js';
import { writeFileAtomic } from '../storage/atomic.js';
import { ContentStore } from '../storage/content.js';
import { LayerStore } from '../storage/layers.js';
import { ExecService } from '../containers/exec.js';
import { ContainerService } from '../containers/service.js';
import { ContainerFilesystem } from '../containers/fs/index.js';
import { ContainerStore } from '../containers/store.js';
import { imageUsers } from '../containers/users.js';
import { readHostFacts } from '../containers/runspec.js';
import { Runtime } from '../runtime/runc.js';
import { Trash } from '../storage/trash.js';
import { SnapshotStore } from '../storage/snapshots.js';
import { VolumeService, VolumeStore } from '../volumes/index.js';
import { volumeUsers } from '../containers/users.js';
import { NetworkService } from '../networks/service.js';
import { NetworkStore } from '../networks/store.js';
import type { Logger } from '../api/server.js';
import { openBuilder } from '../build/index.js';
import type { DaemonConfig } from './config.js';
import { System } from './info.js';
import { favorMigrations } from './cgroups.js';

async function engineID(dataRoot: string): Promise<string> {
  const file = join(dataRoot, 'engine-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (id) return id;
  } catch {
    // First start: make one below.
  }
  const id = randomUUID();
  await writeFileAtomic(file, id + '\n');
  return id;
}

export const RUNC = process.env.TUG_RUNC ?? '/usr/sbin/runc';
export const CRUN = process.env.TUG_CRUN ?? '/usr/bin/crun';

export async function openEngine(config: DaemonConfig, log: Logger): Promise<Services> {
  await mkdir(config.dataRoot, { recursive: true, mode: 0o710 });
  await mkdir(config.execRoot, { recursive: true, mode: 0o700 });
  // Before the recovery: restart policies start containers too.
  if (config.favorDynmods !== false) await favorMigrations(log);
  const content = new ContentStore(join(config.dataRoot, 'content'));
  const layers = new LayerStore(join(config.dataRoot, 'layers'));
  const store = new ImageStore(join(config.dataRoot, 'images'));
  await content.init();
  await layers.init();
  await store.init();
  const events = new EventBus();
  const images = new ImageService(content, layers, store);
  images.events = events;
  const trash = new Trash(join(config.dataRoot, 'trash'), (msg) => log('warn', msg));
  await trash.init();
  const containerStore = new ContainerStore(join(config.dataRoot, 'containers'), trash);
  const snapshots = new SnapshotStore(join(config.dataRoot, 'overlay'), layers, trash);
  await snapshots.init();
  const runtimes: Record<string, Runtime> = { runc: new Runtime(RUNC, join(config.execRoot, 'runc')) };
  // crun where installed; on hybrid cgroup hosts it refuses to start and says why.
  if (existsSync(CRUN)) runtimes.crun = new Runtime(CRUN, join(config.execRoot, 'crun'));
  const host = readHostFacts();
  const volumes = new VolumeService(new VolumeStore(join(config.dataRoot, 'volumes')), events);
  volumes.users = volumeUsers(containerStore);
  const networks = new NetworkService({ store: new NetworkStore(join(config.dataRoot, 'networks')), containers: containerStore, bridge: config.bridge, bip: config.bip, sandboxDir: join(config.execRoot, 'netns'), log, events });
  await networks.init();
  const containers = new ContainerService({
    store: containerStore,
    snapshots,
    layers,
    images,
    volumes,
    runtimes,
    execRoot: config.execRoot,
    host,
    events,
    networks: networks.endpoints,
    log,
  });
  await volumes.init();
  await containers.init();
  // After recovery: the chains hold exactly the ports of containers that still run.
  await networks.syncFirewall();
  images.users = imageUsers(containerStore);
  // A crash can leave complete blobs or layers that no image record reached: drop them.
  await images.collectGarbage();
  const system = new System(config, images, containerStore, runtimes, await engineID(config.dataRoot));
  const exec = new ExecService(containers, containerStore, config.execRoot, host);
  const containerFs = new ContainerFilesystem(containers, snapshots, images);
  const distribution = new DistributionService(images, join(config.dataRoot, 'distribution'), config.insecureRegistries ?? []);
  await distribution.init();
  const builder = await openBuilder(config.dataRoot, { images, containers, layers, distribution });
  return { images, system, containers, exec, events, containerFs, volumes, networks, distribution, builder };
}
