// The Engine API's container read-side wire types (v1.50): list summaries, inspect, stats, top,
// changes, wait, update, prune and archive stat. Shared by client/ and api/; types only, no code.
import type { ContainerConfig, EndpointSettings, HostConfig, Mount, PortMap, Resources, RestartPolicy } from './container.js';

/** An OCI descriptor, as API ≥ 1.48 reports the image manifest a container was made from. */
export interface OCIDescriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  urls?: string[] | null;
  annotations?: Record<string, string> | null;
  data?: string | null;
  platform?: { architecture: string; os: string; 'os.version'?: string; 'os.features'?: string[]; variant?: string } | null;
  artifactType?: string | null;
}

/** One port of `Ports` in /containers/json: published when IP and PublicPort are set. */
export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: 'tcp' | 'udp' | 'sctp' | string;
}

/** A mount as inspect and list report it (MountPoint in the swagger). */
export interface MountPoint {
  Type?: Mount['Type'];
  Name?: string;
  Source?: string;
  Destination?: string;
  Driver?: string;
  Mode?: string;
  RW?: boolean;
  Propagation?: string;
}

export type ContainerStateStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface HealthcheckResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface Health {
  Status: 'none' | 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthcheckResult[] | null;
}

/** GET /containers/json, one element. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  ImageManifestDescriptor?: OCIDescriptor | null;
  Command: string;
  /** Seconds since the epoch. */
  Created: number;
  Ports: PortSummary[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: ContainerStateStatus | string;
  /** The human line: "Up 2 minutes (healthy)", "Exited (0) 3 seconds ago". */
  Status: string;
  HostConfig?: { NetworkMode?: string; Annotations?: Record<string, string> | null };
  NetworkSettings?: { Networks?: Record<string, EndpointSettings> | null } | null;
  Mounts: MountPoint[] | null;
}

/** ContainerJSON's State. */
export interface ContainerState {
  Status: ContainerStateStatus | string;
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
  Health?: Health | null;
}

export interface NetworkSettings {
  Bridge?: string;
  SandboxID?: string;
  SandboxKey?: string;
  HairpinMode?: boolean;
  LinkLocalIPv6Address?: string;
  LinkLocalIPv6PrefixLen?: number;
  Ports?: PortMap | null;
  SecondaryIPAddresses?: unknown[] | null;
  SecondaryIPv6Addresses?: unknown[] | null;
  EndpointID?: string;
  Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  IPAddress?: string;
  IPPrefixLen?: number;
  IPv6Gateway?: string;
  MacAddress?: string;
  Networks?: Record<string, EndpointSettings> | null;
}

/** GET /containers/{id}/json (ContainerInspectResponse). */
export interface ContainerInspect {
  Id: string;
  /** RFC 3339 with nanoseconds. */
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  /** With the leading slash: "/web". */
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  ImageManifestDescriptor?: OCIDescriptor | null;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: HostConfig;
  GraphDriver: { Name: string; Data: Record<string, string> | null };
  /** Only with `size=1`. */
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: NetworkSettings;
}

export interface CPUUsage {
  total_usage: number;
  /** cgroup v1 only. */
  percpu_usage?: number[] | null;
  usage_in_kernelmode: number;
  usage_in_usermode: number;
}

export interface ThrottlingData {
  periods: number;
  throttled_periods: number;
  throttled_time: number;
}

export interface CPUStats {
  cpu_usage: CPUUsage;
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data?: ThrottlingData;
}

export interface MemoryStats {
  usage?: number;
  /** cgroup v1 only. */
  max_usage?: number;
  /** The cgroup's memory.stat: v1 keys (total_inactive_file, cache, …) or v2 ones (inactive_file, anon, …). */
  stats?: Record<string, number> | null;
  failcnt?: number;
  limit?: number;
  commitbytes?: number;
  commitpeakbytes?: number;
  privateworkingset?: number;
}

export interface BlkioStatEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** On cgroup v2 only io_service_bytes_recursive is filled; the rest are null. */
export interface BlkioStats {
  io_service_bytes_recursive?: BlkioStatEntry[] | null;
  io_serviced_recursive?: BlkioStatEntry[] | null;
  io_queue_recursive?: BlkioStatEntry[] | null;
  io_service_time_recursive?: BlkioStatEntry[] | null;
  io_wait_time_recursive?: BlkioStatEntry[] | null;
  io_merged_recursive?: BlkioStatEntry[] | null;
  io_time_recursive?: BlkioStatEntry[] | null;
  sectors_recursive?: BlkioStatEntry[] | null;
}

export interface NetworkStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
  endpoint_id?: string;
  instance_id?: string;
}

export interface PidsStats {
  current?: number;
  limit?: number;
}

export interface StorageStats {
  read_count_normalized?: number;
  read_size_bytes?: number;
  write_count_normalized?: number;
  write_size_bytes?: number;
}

/** GET /containers/{id}/stats, one sample (StatsResponse). */
export interface ContainerStats {
  name?: string;
  id?: string;
  read: string;
  preread: string;
  pids_stats?: PidsStats;
  blkio_stats?: BlkioStats;
  num_procs?: number;
  storage_stats?: StorageStats;
  cpu_stats: CPUStats;
  precpu_stats: CPUStats;
  memory_stats: MemoryStats;
  networks?: Record<string, NetworkStats>;
}

/** GET /containers/{id}/top. */
export interface TopResponse {
  Titles: string[];
  Processes: string[][] | null;
}

/** 0 modified ("C"), 1 added ("A"), 2 deleted ("D"). */
export type ChangeType = 0 | 1 | 2;

/** GET /containers/{id}/changes, one element. */
export interface FilesystemChange {
  Path: string;
  Kind: ChangeType;
}

/** POST /containers/{id}/wait. */
export interface WaitResponse {
  StatusCode: number;
  Error?: { Message?: string } | null;
}

/** POST /containers/{id}/update, the body: docker's Resources (nulls for "leave as is") and the restart policy. */
export type UpdateConfig = { [K in keyof Resources]?: Resources[K] | null } & {
  /** Deprecated; sent only when set. */
  KernelMemory?: number;
  RestartPolicy?: RestartPolicy;
};

/** POST /containers/{id}/update, the answer. */
export interface UpdateResponse {
  Warnings: string[] | null;
}

/** POST /containers/prune. */
export interface ContainerPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** POST /commit (an IDResponse). */
export interface CommitResponse {
  Id: string;
}

/**
 * The X-Docker-Container-Path-Stat header of /containers/{id}/archive, base64 JSON. `mode` is a
 * Go os.FileMode: permission bits plus type bits (1<<31 directory, 1<<27 symlink, …).
 */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}
