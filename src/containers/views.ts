// Containers as the Engine API shows them: the ContainerJSON of inspect, the summaries of
// /containers/json with their human Status line, in dockerd's field order.
import { humanDuration } from '../units/duration.js';
import type { ContainerRecord, ContainerState } from './types.js';

/** dockerd's State.String(): "Up 2 minutes (healthy)", "Exited (0) 3 seconds ago", "Created". */
export function statusLine(s: ContainerState, now = Date.now()): string {
  const since = (iso: string) => humanDuration(now - Date.parse(iso));
  if (s.Running) {
    if (s.Paused) return `Up ${since(s.StartedAt)} (Paused)`;
    if (s.Restarting) return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
    const health = s.Health && s.Health.Status !== 'none' ? ` (${s.Health.Status === 'starting' ? 'health: starting' : s.Health.Status})` : '';
    return `Up ${since(s.StartedAt)}${health}`;
  }
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Dead) return 'Dead';
  if (s.StartedAt.startsWith('0001-')) return 'Created';
  if (s.FinishedAt.startsWith('0001-')) return '';
  return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
}

/** The `State` of ContainerJSON. Status "running" also covers paused/restarting as dockerd reports. */
export function stateView(s: ContainerState): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Status: s.Status,
    Running: s.Running,
    Paused: s.Paused,
    Restarting: s.Restarting,
    OOMKilled: s.OOMKilled,
    Dead: s.Dead,
    Pid: s.Pid,
    ExitCode: s.ExitCode,
    Error: s.Error,
    StartedAt: s.StartedAt,
    FinishedAt: s.FinishedAt,
  };
  if (s.Health) out.Health = s.Health;
  return out;
}

export interface ContainerPaths {
  resolvConf: string;
  hostname: string;
  hosts: string;
  upper: string;
  merged: string;
  lowers: string[];
}

const EMPTY_ENDPOINT = {
  IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, GwPriority: 0, NetworkID: '', EndpointID: '',
  Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
};

/** NetworkSettings.Ports: exposed ports map to null, published ones to their host bindings. */
function portsView(rec: ContainerRecord): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of Object.keys(rec.Config.ExposedPorts ?? {})) out[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const p of rec.State.Running ? rec.PublishedPorts ?? [] : []) {
    (out[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  return out;
}

function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const mode = rec.HostConfig.NetworkMode ?? 'bridge';
  const networks: Record<string, unknown> = {};
  if (rec.Endpoints && Object.keys(rec.Endpoints).length) {
    for (const [name, ep] of Object.entries(rec.Endpoints)) {
      const { HostIf: _h, IfName: _i, DesiredMacAddress: _m, ...shown } = ep;
      networks[name] = { ...EMPTY_ENDPOINT, ...shown };
    }
  } else if (!mode.startsWith('container:')) networks[mode] = { ...EMPTY_ENDPOINT };
  // dockerd fills the top-level (deprecated) fields from the default bridge only.
  const br = rec.Endpoints?.bridge;
  return {
    Bridge: '', SandboxID: '', SandboxKey: rec.State.Pid ? `/proc/${rec.State.Pid}/ns/net` : '', HairpinMode: false,
    LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: portsView(rec), SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
    EndpointID: br?.EndpointID ?? '', Gateway: br?.Gateway ?? '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPAddress: br?.IPAddress ?? '',
    IPPrefixLen: br?.IPPrefixLen ?? 0, IPv6Gateway: '', MacAddress: br?.MacAddress ?? '',
    Networks: networks,
  };
}

/** The `Ports` of /containers/json: one entry per exposed or published port. */
/** The ports `ps` shows (API Port objects): each binding of a published port, or the exposed port alone. */
export function portSummaries(rec: ContainerRecord): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, bindings] of Object.entries(portsView(rec))) {
    const [port = '0', proto = 'tcp'] = key.split('/');
    if (!bindings) out.push({ PrivatePort: Number(port), Type: proto });
    else for (const b of bindings) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}

/** MountPoint of the swagger, in dockerd's field order; Name and Driver only for volumes. */
function mountsView(rec: ContainerRecord): Record<string, unknown>[] {
  return Object.values(rec.MountPoints ?? {}).map((m) => ({
    Type: m.Type,
    ...(m.Name ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Driver ? { Driver: m.Driver } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}

export function inspectView(rec: ContainerRecord, paths: ContainerPaths, sizes?: { rw: number; rootFs: number }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: rec.ID,
    Created: rec.Created,
    Path: rec.Path,
    Args: rec.Args,
    State: stateView(rec.State),
    Image: rec.Image,
    ResolvConfPath: paths.resolvConf,
    HostnamePath: paths.hostname,
    HostsPath: paths.hosts,
    LogPath: rec.LogPath,
    Name: rec.Name,
    RestartCount: rec.RestartCount,
    Driver: rec.Driver,
    Platform: rec.Platform,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: rec.HostConfig,
    GraphDriver: {
      Data: { LowerDir: paths.lowers.join(':'), MergedDir: paths.merged, UpperDir: paths.upper, WorkDir: paths.upper.replace(/diff$/, 'work') },
      Name: 'overlay2',
    },
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootFs;
  }
  out.Mounts = mountsView(rec);
  out.Config = rec.Config;
  out.NetworkSettings = networkSettings(rec);
  return out;
}

export function summaryView(rec: ContainerRecord, imageName: string, now = Date.now(), sizes?: { rw: number; rootFs: number }): Record<string, unknown> {
  const cmd = [rec.Path, ...rec.Args].join(' ');
  const out: Record<string, unknown> = {
    Id: rec.ID,
    Names: [rec.Name],
    Image: imageName,
    ImageID: rec.Image,
    Command: cmd,
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: portSummaries(rec),
    Labels: rec.Config.Labels ?? {},
    State: rec.State.Status,
    Status: statusLine(rec.State, now),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode ?? 'bridge' },
    NetworkSettings: { Networks: (networkSettings(rec).Networks as Record<string, unknown>) },
    Mounts: mountsView(rec),
  };
  if (sizes) {
    out.SizeRw = sizes.rw;
    out.SizeRootFs = sizes.rootFs;
  }
  return out;
}
