// What the API needs from the engine: the services it calls. Built by the daemon.
import type { Builder } from '../build/builder.js';
import type { ExecService } from '../containers/exec.js';
import type { ContainerService } from '../containers/service.js';
import type { EventBus } from '../events/index.js';
import type { ImageService } from '../images/service.js';

export interface SystemInfo {
  version(): Record<string, unknown>;
  info(): Promise<Record<string, unknown>>;
}

export interface Services {
  images: ImageService;
  system: SystemInfo;
  containers: ContainerService;
  exec: ExecService;
  events: EventBus;
  builder: Builder;
}
