// tug's record of one container, kept as config.v2.json under data-root (dockerd's file name):
// the merged config, the host config, and the state the engine last saw.
import type { MountPointRecord } from '../volumes/index.js';
import type { ContainerConfig, EndpointSettings, HostConfig } from '../types/container.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface HealthLog {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface Health {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLog[];
}

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: Health;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface ContainerRecord {
  ID: string;
  /** With dockerd's leading slash: "/web". */
  Name: string;
  Created: string;
  /** The merged entrypoint + cmd: Path is argv[0], Args the rest. */
  Path: string;
  Args: string[];
  /** The user's config merged with the image's (moby's mergeAndVerifyConfig). */
  Config: ContainerConfig;
  HostConfig: HostConfig;
  /** The image ID ("sha256:…"); Config.Image keeps the name the user gave. */
  Image: string;
  State: ContainerState;
  RestartCount: number;
  /** Set by `stop`/`kill`-by-user, cleared by `start`: unless-stopped and always honour it. */
  ManuallyStopped: boolean;
  /** The layer chain (bottom first) the rootfs overlays, for GC protection and commit. */
  Layers: string[];
  LogPath: string;
  Platform: 'linux';
  Driver: 'overlay2';
  /** By destination, as dockerd's MountPoints: binds, volumes and --mount tmpfs, resolved at create. */
  MountPoints?: Record<string, MountPointRecord>;
  /** The networks the container is on, by name; addresses are filled while it runs. */
  Endpoints?: Record<string, EndpointRecord>;
  /** Host ports held for the container while it runs. */
  PublishedPorts?: PublishedPort[];
}

/** Docker's EndpointSettings plus the interface names tugd needs to tear the endpoint down. */
export interface EndpointRecord extends EndpointSettings {
  HostIf?: string;
  IfName?: string;
  /** The MAC asked for (--mac-address), kept across runs; without one each run's comes from its address. */
  DesiredMacAddress?: string;
}

export interface PublishedPort {
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: '',
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}
