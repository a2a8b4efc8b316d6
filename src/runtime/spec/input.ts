// Everything a container's config.json depends on, already resolved by the caller: image config
// merged, user looked up, devices stat'ed, host limits read. `buildSpec` does no I/O.

import type { SeccompProfile } from './seccomp.js';
import type { LinuxThrottleDevice, LinuxWeightDevice } from './types.js';

export interface SpecUser {
  uid: number;
  gid: number;
  /** As Docker sets them: the primary gid first, then the passwd groups, then --group-add. */
  additionalGids: number[];
  umask?: number;
}

/**
 * 'ns' joins the namespace at `nsPath` (e.g. `--network container:X` → /proc/PID/ns/net). A
 * 'private' one with `nsPath` is the container's own, made beforehand: joined, but set up as its own.
 */
export interface SpecNetwork {
  mode: 'private' | 'host' | 'none' | 'ns';
  nsPath?: string;
}

export interface SpecResources {
  /** Bytes; 0 or absent means no limit. */
  memory?: number;
  /** Memory plus swap in bytes; only a positive value is written (Docker's rule). */
  memorySwap?: number;
  memoryReservation?: number;
  memorySwappiness?: number;
  /** CPUs × 1e9 (`--cpus 1.5` → 1.5e9): becomes a CFS quota over a 100 ms period. */
  nanoCpus?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** --cpu-rt-period / --cpu-rt-runtime (µs), cgroup v1's real-time budget. */
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  /** ≤ 0 means unlimited (written as -1), as Docker does. */
  pidsLimit?: number;
  blkioWeight?: number;
  /** --blkio-weight-device and --device-{read,write}-{bps,iops}, with the devices' numbers found. */
  blkioWeightDevices?: LinuxWeightDevice[];
  throttleReadBps?: LinuxThrottleDevice[];
  throttleWriteBps?: LinuxThrottleDevice[];
  throttleReadIOps?: LinuxThrottleDevice[];
  throttleWriteIOps?: LinuxThrottleDevice[];
  oomKillDisable?: boolean;
}

/** A Docker ulimit: -1 is unlimited. */
export interface SpecUlimit {
  name: string;
  soft: number;
  hard: number;
}

/** A host limit as read from /proc/self/limits; Infinity is unlimited. */
export interface HostRlimit {
  soft: number;
  hard: number;
}

/** A device node to create in the container, already stat'ed on the host. */
export interface SpecDevice {
  pathOnHost: string;
  pathInContainer: string;
  /** Cgroup access, some of "rwm". */
  permissions: string;
  type: 'c' | 'b' | 'u' | 'p';
  major: number;
  minor: number;
  /** The node's st_mode; only its permission bits go into the spec. */
  fileMode: number;
  uid: number;
  gid: number;
}

export interface SpecMount {
  type: 'bind' | 'tmpfs' | 'volume';
  /** Host path (bind), the volume's data directory (volume), ignored for tmpfs. */
  source: string;
  destination: string;
  readOnly: boolean;
  /** 'rprivate' by default for binds, none for volumes (Docker's defaults). */
  propagation?: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';
  /** bind/volume: extra mount options (e.g. 'bind' for non-recursive); tmpfs: tmpfs options ("size=64m", "mode=1777"). */
  options?: string[];
}

export interface SpecInput {
  id: string;
  /** Absolute path of the mounted rootfs. */
  rootfs: string;
  /** Final argv: entrypoint + cmd. */
  args: string[];
  /** Final environment, including PATH, HOSTNAME and TERM when tty. */
  env: string[];
  cwd: string;
  user: SpecUser;
  hostname: string;
  domainname?: string;
  tty: boolean;
  consoleSize?: { height: number; width: number };
  /** Kept for completeness: stdin is the monitor's business and changes nothing in config.json. */
  openStdin: boolean;
  readOnlyRootfs: boolean;
  privileged: boolean;
  /** Docker's names, with or without CAP_, any case; "ALL" allowed. */
  capAdd: string[];
  capDrop: string[];
  /** The capabilities this host can grant (e.g. decoded from CapBnd); default all known ones. */
  availableCaps?: string[];
  noNewPrivileges: boolean;
  /** 'default', 'unconfined', or a profile in Docker's JSON format (`--security-opt seccomp=file`). */
  seccomp: 'default' | 'unconfined' | SeccompProfile;
  apparmor?: string;
  /** Node's process.arch or Go's GOARCH; picks the seccomp architectures. Default x64. */
  arch?: string;
  /** `uname -r`, for the seccomp profile's minKernel rules; absent means a recent kernel. */
  kernelVersion?: string;
  /** Seccomp sub-architectures the host kernel cannot run, left out of the filter. */
  kernelLacks?: string[];
  network: SpecNetwork;
  pidMode: 'private' | 'host' | 'ns';
  pidNsPath?: string;
  ipcMode: 'private' | 'host' | 'none' | 'ns';
  /** A /dev/shm on the host to bind at the container's: the donor's with ipcMode 'ns', its own for `--ipc shareable`. */
  shmSource?: string;
  ipcNsPath?: string;
  utsMode: 'private' | 'host';
  /** Docker's default is 'host' on cgroup v1 hosts and 'private' on v2. Default 'host'. */
  cgroupnsMode?: 'private' | 'host';
  cgroupsPath: string;
  resources: SpecResources;
  ulimits: SpecUlimit[];
  /** Keyed by Docker's ulimit name ("nofile") or "RLIMIT_NOFILE". */
  hostRlimits: Record<string, HostRlimit>;
  devices: SpecDevice[];
  /** The host's /dev, given to privileged containers. */
  hostDevices?: SpecDevice[];
  /** Extra devices-cgroup rules, `--device-cgroup-rule 'c 42:* rmw'`. */
  deviceCgroupRules?: string[];
  /** Bytes; default 64 MiB. */
  shmSize?: number;
  /** `--tmpfs /run:rw,size=64m` → { '/run': 'rw,size=64m' }. */
  tmpfs: Record<string, string>;
  mounts: SpecMount[];
  hostsFile?: string;
  hostnameFile?: string;
  resolvConfFile?: string;
  /** Whether the runtime and kernel support recursive read-only binds ("rro"). */
  rroSupported?: boolean;
  /** Host path of an init binary (docker-init / tini), bound at /sbin/docker-init. */
  init?: string;
  sysctls: Record<string, string>;
  /** Default 0, as Docker writes it. */
  oomScoreAdj?: number;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  annotations?: Record<string, string>;
}
