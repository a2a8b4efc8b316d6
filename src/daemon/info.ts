// /version and /info: what this daemon and host are.
import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { MAX_API_VERSION, MIN_API_VERSION } from '../api/version.js';
import type { SystemInfo } from '../api/services.js';
import type { ImageService } from '../images/service.js';
import type { ContainerStore } from '../containers/store.js';
import type { Runtime } from '../runtime/runc.js';
import type { DaemonConfig } from './config.js';

import { TUG_VERSION } from '../version.js';

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

function cgroupVersion(): string {
  try {
    readFileSync('/sys/fs/cgroup/cgroup.controllers');
    return '2';
  } catch {
    return '1';
  }
}

const arch = process.arch === 'x64' ? 'amd64' : process.arch;

export class System implements SystemInfo {
  private readonly started = new Date();

  constructor(
    private readonly config: DaemonConfig,
    private readonly images: ImageService,
    private readonly containers: ContainerStore,
    private readonly runtimes: Record<string, Runtime>,
    readonly id: string,
  ) {}

  version(): Record<string, unknown> {
    const details = { ApiVersion: MAX_API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: '', GoVersion: `node ${process.version}`, Os: 'linux', Arch: arch, KernelVersion: release(), BuildTime: '' };
    return {
      Platform: { Name: 'tug' },
      Components: [{ Name: 'Engine', Version: TUG_VERSION, Details: details }],
      Version: TUG_VERSION,
      ...details,
    };
  }

  async info(): Promise<Record<string, unknown>> {
    const states = this.containers.all().map((c) => c.State);
    const running = states.filter((st) => st.Running && !st.Paused).length;
    const paused = states.filter((st) => st.Paused).length;
    return {
      ID: this.id,
      Containers: states.length,
      ContainersRunning: running,
      ContainersPaused: paused,
      ContainersStopped: states.length - running - paused,
      Images: this.images.store.all().length,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true'], ['Using metacopy', 'false'], ['Native Overlay Diff', 'true']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Debug: this.config.debug,
      NFd: 0,
      OomKillDisable: false,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: cgroupVersion(),
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: osName(),
      OSVersion: '',
      OSType: 'linux',
      Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: registryConfig(this.config.insecureRegistries ?? []),
      NCPU: cpus().length,
      MemTotal: totalmem(),
      GenericResources: null,
      DockerRootDir: this.config.dataRoot,
      HttpProxy: process.env.HTTP_PROXY ?? '',
      HttpsProxy: process.env.HTTPS_PROXY ?? '',
      NoProxy: process.env.NO_PROXY ?? '',
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: TUG_VERSION,
      Runtimes: Object.fromEntries(Object.entries(this.runtimes).map(([name, rt]) => [name, { path: rt.path }])),
      DefaultRuntime: 'runc',
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: 'docker-init',
      ContainerdCommit: { ID: '' },
      RuncCommit: { ID: '' },
      InitCommit: { ID: '' },
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: null,
      StartedAt: this.started.toISOString(),
    };
  }
}

/** dockerd's RegistryConfig: --insecure-registry CIDRs beside loopback's, host names as insecure indexes. */
function registryConfig(insecure: readonly string[]): Record<string, unknown> {
  const cidrs = ['::1/128', '127.0.0.0/8', ...insecure.filter((r) => r.includes('/'))];
  const indexes: Record<string, unknown> = { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } };
  for (const host of insecure.filter((r) => !r.includes('/'))) indexes[host] = { Name: host, Mirrors: [], Secure: false, Official: false };
  return { AllowNondistributableArtifactsCIDRs: null, AllowNondistributableArtifactsHostnames: null, InsecureRegistryCIDRs: cidrs, IndexConfigs: indexes, Mirrors: null };
}
