// A container's OCI config.json as a fold of small pure steps over Docker's default spec, in
// the order moby's createSpec applies them. No step does I/O or mutates its arguments.

import { InvalidParameterError } from '../../errors.js';
import { tweakCapabilities } from './caps.js';
import { DEFAULT_NETWORK_SYSCTLS, DEFAULT_ULIMITS, defaultSpec } from './defaults.js';
import type { HostRlimit, SpecDevice, SpecInput, SpecUlimit } from './input.js';
import { withInit, withMounts, withReadonlyRootfs } from './mounts.js';
import { parseDeviceCgroupRule } from './options.js';
import { defaultSeccompProfile, seccompFromProfile } from './seccomp.js';
import type { LinuxDevice, LinuxNamespace, LinuxNamespaceType, LinuxResources, POSIXRlimit, Process, Spec } from './types.js';
import { RLIM_INFINITY } from './types.js';

export type SpecOpt = (spec: Spec, input: SpecInput) => Spec;

/**
 * The process of `s`, a step's shallow copy of the spec it was given, made `s`'s own to edit.
 * Each step copies only what it changes (the spec it is given is never modified): a deep clone
 * per step, with Docker's seccomp profile in the spec, cost ~0.4 ms of every start and exec.
 */
function ownProcess(s: Spec): Process {
  s.process = s.process ? { ...s.process } : { user: { uid: 0, gid: 0 }, cwd: '/' };
  return s.process;
}

/** The command, environment, user, terminal and rootfs path. */
export function withProcess(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  const p = ownProcess(s);
  p.args = [...input.args];
  p.env = [...input.env];
  p.cwd = input.cwd || '/';
  p.user = { uid: input.user.uid, gid: input.user.gid };
  if (input.user.umask !== undefined) p.user.umask = input.user.umask;
  if (input.user.additionalGids.length) p.user.additionalGids = [...input.user.additionalGids];
  if (input.tty) {
    p.terminal = true;
    if (input.consoleSize) p.consoleSize = { ...input.consoleSize };
  }
  if (input.noNewPrivileges) p.noNewPrivileges = true;
  if (input.apparmor) p.apparmorProfile = input.apparmor;
  p.oomScoreAdj = input.oomScoreAdj ?? 0;
  s.root = { path: input.rootfs };
  return s;
}

/**
 * Hostname and domain name, which only a private UTS namespace can have. runc before 1.2 (this
 * host's 1.1.5) ignores the spec's `domainname`; the `kernel.domainname` sysctl, which runc
 * allows in a private UTS namespace, sets it there too (a --sysctl of the user's wins).
 */
export function withHostname(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  delete s.hostname;
  delete s.domainname;
  if (input.utsMode === 'private') {
    if (input.hostname) s.hostname = input.hostname;
    if (input.domainname) {
      s.domainname = input.domainname;
      s.linux = { ...s.linux, sysctl: { 'kernel.domainname': input.domainname, ...s.linux?.sysctl } };
    }
  }
  return s;
}

function joinPath(kind: string, path: string | undefined): string {
  if (!path) throw new InvalidParameterError(`joining a ${kind} namespace needs its path`);
  return path;
}

/** Private namespaces are created, host ones left out, 'ns' ones joined by path. */
export function withNamespaces(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  const ns = new Map<LinuxNamespaceType, LinuxNamespace>((s.linux?.namespaces ?? []).map((n) => [n.type, n]));
  const set = (type: LinuxNamespaceType, mode: string, path?: string) => {
    if (mode === 'host') ns.delete(type);
    else if (mode === 'ns') ns.set(type, { type, path: joinPath(type, path) });
    else ns.set(type, { type });
  };
  set('network', input.network.mode === 'private' && input.network.nsPath ? 'ns' : input.network.mode, input.network.nsPath);
  set('pid', input.pidMode, input.pidNsPath);
  set('ipc', input.ipcMode, input.ipcNsPath);
  set('uts', input.utsMode);
  set('cgroup', input.cgroupnsMode ?? 'host');
  ns.set('mount', { type: 'mount' });
  s.linux = { ...s.linux, namespaces: [...ns.values()] };
  return s;
}

export function withCgroupsPath(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  s.linux = { ...s.linux };
  if (input.cgroupsPath) s.linux.cgroupsPath = input.cgroupsPath;
  else delete s.linux.cgroupsPath;
  return s;
}

/** Memory, CPU, pids and blkio limits, with Docker's rules for what is left unset. */
export function withResources(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  const r = input.resources;
  const res: LinuxResources = { ...s.linux?.resources };
  delete res.memory;
  delete res.cpu;
  delete res.pids;
  delete res.blockIO;

  const memory: NonNullable<LinuxResources['memory']> = {};
  if ((r.memory ?? 0) > 0) memory.limit = r.memory;
  if ((r.memoryReservation ?? 0) > 0) memory.reservation = r.memoryReservation;
  if ((r.memorySwap ?? 0) > 0) memory.swap = r.memorySwap;
  if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) memory.swappiness = r.memorySwappiness;
  if (r.oomKillDisable !== undefined) memory.disableOOMKiller = r.oomKillDisable;
  if (Object.keys(memory).length) res.memory = memory;

  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if (r.cpuShares) {
    if (r.cpuShares < 0) throw new InvalidParameterError(`invalid CPU shares (${r.cpuShares}): value must be a positive integer`);
    cpu.shares = r.cpuShares;
  }
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if ((r.nanoCpus ?? 0) > 0) {
    cpu.period = 100000;
    cpu.quota = Math.trunc(((r.nanoCpus as number) * 100000) / 1e9);
  }
  if (r.cpuPeriod) cpu.period = r.cpuPeriod;
  if (r.cpuQuota) cpu.quota = r.cpuQuota;
  if (r.cpuRealtimePeriod) cpu.realtimePeriod = r.cpuRealtimePeriod;
  if (r.cpuRealtimeRuntime) cpu.realtimeRuntime = r.cpuRealtimeRuntime;
  if (Object.keys(cpu).length) res.cpu = cpu;

  if (r.pidsLimit !== undefined) res.pids = { limit: r.pidsLimit > 0 ? r.pidsLimit : -1 };
  const blockIO: NonNullable<LinuxResources['blockIO']> = {};
  if (r.blkioWeight) blockIO.weight = r.blkioWeight;
  if (r.blkioWeightDevices?.length) blockIO.weightDevice = r.blkioWeightDevices;
  if (r.throttleReadBps?.length) blockIO.throttleReadBpsDevice = r.throttleReadBps;
  if (r.throttleWriteBps?.length) blockIO.throttleWriteBpsDevice = r.throttleWriteBps;
  if (r.throttleReadIOps?.length) blockIO.throttleReadIOPSDevice = r.throttleReadIOps;
  if (r.throttleWriteIOps?.length) blockIO.throttleWriteIOPSDevice = r.throttleWriteIOps;
  if (Object.keys(blockIO).length) res.blockIO = blockIO;
  s.linux = { ...s.linux, resources: res };
  return s;
}

/** Docker's ping and low-port sysctls in a network namespace of the container's own, then the user's. */
export function withSysctls(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  const own = input.network.mode === 'private' || input.network.mode === 'none';
  const sysctl = { ...s.linux?.sysctl, ...(own ? DEFAULT_NETWORK_SYSCTLS : {}), ...input.sysctls };
  s.linux = { ...s.linux };
  if (Object.keys(sysctl).length) s.linux.sysctl = sysctl;
  else delete s.linux.sysctl;
  return s;
}

function hostLimit(input: SpecInput, name: string): HostRlimit | undefined {
  return input.hostRlimits[name] ?? input.hostRlimits[`RLIMIT_${name.toUpperCase()}`];
}

/** One ulimit, never above the host's hard limit (runc cannot raise it: "error setting rlimit type 7"). */
export function capRlimit(u: SpecUlimit, host: HostRlimit | undefined): POSIXRlimit {
  let hard = u.hard < 0 ? Infinity : u.hard;
  if (host) hard = Math.min(hard, host.hard);
  const soft = Math.min(u.soft < 0 ? Infinity : u.soft, hard);
  const value = (n: number) => (n === Infinity ? RLIM_INFINITY : n);
  return { type: `RLIMIT_${u.name.toUpperCase()}`, hard: value(hard), soft: value(soft) };
}

/** The user's ulimits, then the defaults they do not name (nofile 1048576), each capped. */
export function withRlimits(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  const named = new Set(input.ulimits.map((u) => u.name));
  const all = [...input.ulimits, ...DEFAULT_ULIMITS.filter((u) => !named.has(u.name))];
  ownProcess(s).rlimits = all.map((u) => capRlimit(u, hostLimit(input, u.name)));
  return s;
}

/** The node runc creates; only the permission bits of the mode, runc adds the file type itself. */
function linuxDevice(d: SpecDevice): LinuxDevice {
  return { path: d.pathInContainer, type: d.type, major: d.major, minor: d.minor, fileMode: d.fileMode & 0o7777, uid: d.uid, gid: d.gid };
}

/** --device nodes and their cgroup rules, plus --device-cgroup-rule. Privileged containers: see withPrivileged. */
export function withDevices(spec: Spec, input: SpecInput): Spec {
  if (input.privileged) return spec;
  const s = { ...spec };
  const linux = (s.linux = { ...s.linux });
  const rules = [...(linux.resources?.devices ?? [])];
  const devices = [...(linux.devices ?? [])];
  for (const d of input.devices) {
    devices.push(linuxDevice(d));
    rules.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.permissions });
  }
  rules.push(...(input.deviceCgroupRules ?? []).map(parseDeviceCgroupRule));
  linux.devices = devices;
  linux.resources = { ...linux.resources, devices: rules };
  return s;
}

/** Bounding, effective and permitted sets (never inheritable: CVE-2022-24769). */
export function withCapabilities(spec: Spec, input: SpecInput): Spec {
  if (input.privileged) return spec;
  const s = { ...spec };
  const caps = tweakCapabilities(input.capAdd, input.capDrop, false, input.availableCaps);
  ownProcess(s).capabilities = { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  return s;
}

/**
 * --privileged: every available capability, the host's devices and no device restriction, no
 * masked or read-only paths, writable /sys and cgroup mounts.
 */
export function withPrivileged(spec: Spec, input: SpecInput): Spec {
  if (!input.privileged) return spec;
  const s = { ...spec };
  const caps = tweakCapabilities([], [], true, input.availableCaps);
  ownProcess(s).capabilities = { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  const linux = (s.linux = { ...s.linux });
  const devices = [...(input.hostDevices ?? []), ...input.devices.filter((d) => d.pathOnHost !== d.pathInContainer)];
  linux.devices = devices.map(linuxDevice);
  linux.resources = { ...linux.resources, devices: [{ allow: true, access: 'rwm' }] };
  delete linux.maskedPaths;
  delete linux.readonlyPaths;
  if (s.mounts) {
    s.mounts = s.mounts.map((m) => (m.destination === '/sys' || m.type === 'cgroup' ? { ...m, options: m.options?.filter((o) => o !== 'ro') } : m));
  }
  return s;
}

/**
 * Docker's default profile filtered by the final bounding set; none when unconfined, nor for
 * a privileged container unless it names a profile of its own.
 */
export function withSeccomp(spec: Spec, input: SpecInput): Spec {
  const s = { ...spec };
  s.linux = { ...s.linux };
  delete s.linux.seccomp;
  if (input.seccomp === 'unconfined' || (input.privileged && input.seccomp === 'default')) return s;
  const profile = input.seccomp === 'default' ? defaultSeccompProfile() : input.seccomp;
  const seccomp = seccompFromProfile(profile, {
    capabilities: s.process?.capabilities?.bounding ?? [],
    arch: input.arch ?? 'x64',
    kernelVersion: input.kernelVersion,
    kernelLacks: input.kernelLacks,
  });
  if (seccomp) s.linux.seccomp = seccomp;
  return s;
}

/** An explicit masked-path list (`--security-opt systempaths=unconfined` gives []) replaces the default. */
export function withMaskedPaths(spec: Spec, input: SpecInput): Spec {
  if (input.maskedPaths === undefined) return spec;
  const s = { ...spec };
  s.linux = { ...s.linux, maskedPaths: [...input.maskedPaths] };
  return s;
}

export function withReadonlyPaths(spec: Spec, input: SpecInput): Spec {
  if (input.readonlyPaths === undefined) return spec;
  const s = { ...spec };
  s.linux = { ...s.linux, readonlyPaths: [...input.readonlyPaths] };
  return s;
}

export function withAnnotations(spec: Spec, input: SpecInput): Spec {
  if (!input.annotations || Object.keys(input.annotations).length === 0) return spec;
  const s = { ...spec };
  s.annotations = { ...s.annotations, ...input.annotations };
  return s;
}

/** The steps of buildSpec, in order: later steps see what earlier ones decided (seccomp reads the final caps). */
export const SPEC_OPTS: readonly SpecOpt[] = [
  withProcess,
  withHostname,
  withNamespaces,
  withCgroupsPath,
  withResources,
  withSysctls,
  withRlimits,
  withDevices,
  withCapabilities,
  withInit,
  withMounts,
  withReadonlyRootfs,
  withPrivileged,
  withSeccomp,
  withMaskedPaths,
  withReadonlyPaths,
  withAnnotations,
];

export function buildSpec(input: SpecInput): Spec {
  return SPEC_OPTS.reduce((spec, opt) => opt(spec, input), defaultSpec());
}

/** config.json (or an exec's process.json) text: like JSON.stringify, but writes RLIM_INFINITY (a bigint) as the exact uint64. */
export function serializeSpec(spec: Spec | Process, indent?: number): string {
  const marker = '\u0000u64:';
  const text = JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v), indent);
  return text.replace(/"\\u0000u64:(\d+)"/g, '$1');
}

export { allowsSyscall, defaultSeccompProfile, nativeArch, seccompFromProfile } from './seccomp.js';
export type { SeccompContext, SeccompProfile, SeccompProfileRule } from './seccomp.js';
export { capsFromMask, normalizeCapabilities, tweakCapabilities } from './caps.js';
export * from './defaults.js';
export { sortMounts, userMounts, withInit, withMounts, withReadonlyRootfs } from './mounts.js';
export { mergeTmpfsOptions, parseDeviceCgroupRule, parseProcLimits, parseTmpfsOptions, ULIMIT_NAMES } from './options.js';
export { additionalGroups, parseGroup, parsePasswd, resolveUser } from './user.js';
export type { ResolvedUser } from './user.js';
export type * from './input.js';
export type * from './types.js';
export { RLIM_INFINITY } from './types.js';
