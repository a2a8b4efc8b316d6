// What the API needs from the engine: the services it calls. Built by the daemon.
import type { Builder } from '../build/builder.js';
import type { ExecService } from '../containers/exec.js';
import type { ContainerFilesystem } from '../containers/fs/index.js';
import type { ContainerService } from '../containers/service.js';
import type { DistributionService } from '../distribution/index.js';
import type { EventBus } from '../events/index.js';
import type { ImageService } from '../images/service.js';
import type { VolumeService } from '../volumes/index.js';
import type { NetworkService } from '../networks/service.js';

export interface SystemInfo {
  version(): Record<string, unknown>;
  info(): Promise<Record<string, unknown>>;
}

export interface Services {
  images: ImageService;
  system: SystemInfo;
  containers: ContainerService;
  exec: ExecService;
  containerFs: ContainerFilesystem;
  events: EventBus;
  volumes: VolumeService;
  networks: NetworkService;
  distribution: DistributionService;
  builder: Builder;
}
