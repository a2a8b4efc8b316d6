// Everything config.json needs that is not in the container record: the user looked up in the
// image's /etc/passwd, devices stat'ed, host limits and capabilities read once. Then buildSpec.
import { existsSync, readFileSync, writeFileSync, type Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { availableParallelism, release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { InvalidParameterError, isErrno } from '../errors.js';
import { capsFromMask, containerEnv, parseProcLimits, resolveUser, type HostRlimit, type SeccompProfile, type SpecDevice, type SpecInput, type SpecMount } from '../runtime/spec/index.js';
import { devMajor, devMinor } from '../sys/libc.js';
import { goQuote } from '../cli/format/gofmt.js';
import { goFileError } from '../cli/run/security.js';
import { parseMountinfo } from '../sys/mounts.js';
import type { DeviceRequest, ThrottleDevice } from '../types/container.js';
import type { BlkioSupport, ResourceHost } from './resources.js';
import type { ContainerRecord } from './types.js';

export interface HostFacts extends ResourceHost {
  availableCaps: string[];
  hostRlimits: Record<string, HostRlimit>;
  kernelVersion: string;
  arch: string;
  /** Seccomp sub-architectures this kernel cannot run (see lackingArchitectures). */
  kernelLacks: string[];
  /** tini, bound at /sbin/docker-init for `--init`; undefined when not installed. */
  initPath: string | undefined;
  /** AppArmor is on: dockerd gives a container a profile only then (runc fails to apply one otherwise). */
  apparmor: boolean;
}

export function readHostFacts(): HostFacts {
  const status = readFileSync('/proc/self/status', 'utf8');
  const bnd = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1];
  return {
    availableCaps: bnd ? capsFromMask(bnd) : [],
    hostRlimits: parseProcLimits(readFileSync('/proc/self/limits', 'utf8')),
    kernelVersion: release(),
    arch: process.arch,
    kernelLacks: lackingArchitectures(kernelConfig(release()), process.arch),
    initPath: ['/usr/bin/tini-static', '/usr/bin/docker-init', '/usr/bin/tini'].find((p) => existsSync(p)),
    apparmor: readOr('/sys/module/apparmor/parameters/enabled', 'N').startsWith('Y'),
    blkio: blkioSupport(readFileSync('/proc/self/mountinfo', 'utf8'), readOr('/sys/fs/cgroup/cgroup.controllers', ''), existsSync),
    cpus: availableParallelism(),
    ...cpusetRoot(),
  };
}

/** The CPUs and memory nodes of the cpuset hierarchy's root (v1), or of the v2 root. */
function cpusetRoot(): Pick<ResourceHost, 'cpusetCpus' | 'cpusetMems'> {
  const read = (file: string) => {
    for (const path of [`/sys/fs/cgroup/cpuset/${file}`, `/sys/fs/cgroup/${file}.effective`]) {
      const text = readOr(path, '').trim();
      if (text) return text;
    }
    return undefined;
  };
  return { cpusetCpus: read('cpuset.cpus'), cpusetMems: read('cpuset.mems') };
}

const NO_BLKIO: BlkioSupport = { weight: false, weightDevice: false, readBps: false, writeBps: false, readIOps: false, writeIOps: false };

/**
 * dockerd's sysinfo for blkio: on cgroup v1 each limit needs its file at the blkio hierarchy's root
 * (a host with only BFQ has no blkio.weight); on a pure cgroup v2 host the io controller takes them all.
 */
export function blkioSupport(mountinfo: string, v2Controllers: string, exists: (path: string) => boolean): BlkioSupport {
  const v1 = parseMountinfo(mountinfo).find((m) => m.fstype === 'cgroup' && m.superOptions.includes('blkio'));
  if (v1) {
    const at = (file: string) => exists(join(v1.mountPoint, file));
    return {
      weight: at('blkio.weight'),
      weightDevice: at('blkio.weight_device'),
      readBps: at('blkio.throttle.read_bps_device'),
      writeBps: at('blkio.throttle.write_bps_device'),
      readIOps: at('blkio.throttle.read_iops_device'),
      writeIOps: at('blkio.throttle.write_iops_device'),
    };
  }
  const io = v2Controllers.split(/\s+/).includes('io');
  return io ? { weight: true, weightDevice: true, readBps: true, writeBps: true, readIOps: true, writeIOps: true } : { ...NO_BLKIO };
}

/** The running kernel's build options, from /proc/config.gz or /boot; undefined when neither is there. */
function kernelConfig(rel: string): string | undefined {
  try {
    return gunzipSync(readFileSync('/proc/config.gz')).toString('latin1');
  } catch {
    try {
      return readFileSync(`/boot/config-${rel}`, 'latin1');
    } catch {
      return undefined;
    }
  }
}

/**
 * x32 in the seccomp filter only when the kernel runs x32 code (CONFIG_X86_X32_ABI, before 5.18
 * CONFIG_X86_X32): Docker's profile lists it regardless. Unknown config: keep Docker's list.
 */
export function lackingArchitectures(config: string | undefined, arch: string): string[] {
  if (config === undefined || arch !== 'x64') return [];
  return /^CONFIG_X86_X32(_ABI)?=y$/m.test(config) ? [] : ['SCMP_ARCH_X32'];
}

/** The files a container's network identity is bound from (Docker's hosts, hostname, resolv.conf). */
export interface NetworkFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export interface SecurityOptions {
  noNewPrivileges: boolean;
  seccomp: 'default' | 'unconfined' | SeccompProfile;
  apparmor?: string;
}

/** `--security-opt` values as dockerd parses them (parseSecurityOpt). */
export function parseSecurityOpts(opts: readonly string[]): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: 'default' };
  for (const opt of opts) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    const sep = /[=:]/.exec(opt);
    if (!sep) throw new InvalidParameterError(`invalid --security-opt 1: "${opt}"`);
    const key = opt.slice(0, sep.index);
    const value = opt.slice(sep.index + 1);
    switch (key) {
      case 'no-new-privileges':
        if (value !== 'true' && value !== 'false') throw new InvalidParameterError(`invalid --security-opt 2: "${opt}"`);
        out.noNewPrivileges = value === 'true';
        break;
      case 'seccomp':
        if (value === 'unconfined') out.seccomp = 'unconfined';
        else if (value === 'builtin' || value === '') out.seccomp = 'default';
        else {
          try {
            out.seccomp = JSON.parse(value) as SeccompProfile;
          } catch {
            throw new InvalidParameterError(`Decoding seccomp profile failed: invalid JSON in ${opt.slice(0, 40)}`);
          }
        }
        break;
      case 'apparmor':
        out.apparmor = value;
        break;
      case 'label':
      case 'systempaths':
      case 'writable-cgroups':
        break;
      default:
        throw new InvalidParameterError(`invalid --security-opt 2: "${opt}"`);
    }
  }
  return out;
}

/** In place: /etc/passwd and /etc/group of a rootfs are small, and read at every start. */
function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

async function statDevice(pathOnHost: string, pathInContainer: string, permissions: string): Promise<SpecDevice> {
  let st;
  try {
    st = await stat(pathOnHost);
  } catch (err) {
    throw new InvalidParameterError(`error gathering device information while adding custom device "${pathOnHost}": ${isErrno(err, 'ENOENT') ? 'no such file or directory' : String(err)}`);
  }
  const device = deviceOf(st, pathOnHost, pathInContainer, permissions);
  if (!device) throw new InvalidParameterError(`error gathering device information while adding custom device "${pathOnHost}": not a device node`);
  return device;
}

/** A stat'ed node as the spec's device (char, block or FIFO); undefined for anything else. */
function deviceOf(st: Stats, pathOnHost: string, pathInContainer: string, permissions: string): SpecDevice | undefined {
  const fmt = st.mode & 0o170000;
  const type = fmt === 0o020000 ? 'c' : fmt === 0o060000 ? 'b' : fmt === 0o010000 ? 'p' : undefined;
  if (!type) return undefined;
  return { pathOnHost, pathInContainer, permissions, type, major: devMajor(st.rdev), minor: devMinor(st.rdev), fileMode: st.mode, uid: st.uid, gid: st.gid };
}

/** /dev's sub-directories that hold no device of the host's own (runc's HostDevices skips the same). */
const NOT_HOST_DEVICE_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/**
 * The host's device nodes under `dir`, as --privileged gives them to the container: every char
 * and block device, walked recursively; links, pipes and the console are left out, as Docker's are.
 */
export async function listHostDevices(dir = '/dev'): Promise<SpecDevice[]> {
  const out: SpecDevice[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!NOT_HOST_DEVICE_DIRS.has(e.name)) out.push(...(await listHostDevices(path)));
      continue;
    }
    if (e.name === 'console' || !(e.isCharacterDevice() || e.isBlockDevice())) continue;
    // Gone since the listing (a hot-unplugged disk) is as if never there.
    const st = await lstat(path).catch((err: unknown) => (isErrno(err, 'ENOENT') ? undefined : Promise.reject(err)));
    const device = st && deviceOf(st, path, path, 'rwm');
    if (device && device.type !== 'p') out.push(device);
  }
  return out;
}

/** A blkio limit's device, stat'ed as dockerd does (its error is the stat's own: "stat /dev/x: no such file or directory"). */
async function blkioDevice(path: string): Promise<{ major: number; minor: number }> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw new InvalidParameterError(goFileError('stat', path, err));
  }
  return { major: devMajor(st.rdev), minor: devMinor(st.rdev) };
}

const throttle = (devs: ThrottleDevice[] | undefined) => Promise.all((devs ?? []).map(async (d) => ({ ...(await blkioDevice(d.Path)), rate: d.Rate })));

/**
 * `--gpus` and the like: dockerd serves a request through a registered device driver (nvidia, when
 * its container runtime hook is installed; CDI); none is here, so the start fails with its words.
 */
function checkDeviceRequests(reqs: DeviceRequest[] | null | undefined): void {
  const req = reqs?.[0];
  if (!req) return;
  const caps = `[${(req.Capabilities ?? []).map((set) => `[${set.join(' ')}]`).join(' ')}]`;
  throw new InvalidParameterError(`could not select device driver ${goQuote(req.Driver ?? '')} with capabilities: ${caps}`);
}

function namespaceMode(value: string | undefined, kind: string, joined: string | undefined): 'private' | 'host' | 'ns' {
  if (!value || value === 'private' || value === 'shareable') return 'private';
  if (value === 'host') return 'host';
  if (value.startsWith('container:') && joined) return 'ns';
  throw new InvalidParameterError(`invalid ${kind} mode: ${value}`);
}

export interface SpecContext {
  rec: ContainerRecord;
  rootfs: string;
  host: HostFacts;
  files: NetworkFiles;
  cgroupsPath: string;
  /** The container's binds, volumes and --mount tmpfs, made ready by the volume service. */
  mounts?: SpecMount[];
  /** `--network container:NAME`: /proc/PID/ns/net of that container; else the container's own netns, made beforehand. */
  netnsPath?: string;
  /** `--pid container:NAME`: /proc/PID/ns/pid of that container. */
  pidNsPath?: string;
  /** `--ipc container:NAME`: that container's IPC namespace, and its /dev/shm to bind at the container's. */
  ipc?: { nsPath: string; shm: string };
  /** `--ipc shareable`: the tmpfs on the host to bind as the container's /dev/shm (shm.ts). */
  ownShm?: string;
}

export async function specInput({ rec, rootfs, host, files, cgroupsPath, mounts = [], netnsPath, pidNsPath, ipc, ownShm }: SpecContext): Promise<SpecInput> {
  const c = rec.Config;
  const hc = rec.HostConfig;
  const user = resolveUser(c.User ?? '', readOptional(join(rootfs, 'etc/passwd')), readOptional(join(rootfs, 'etc/group')), hc.GroupAdd ?? []);
  const home = user.home ? [`HOME=${user.home}`] : [];
  const env = containerEnv(c.Hostname ?? '', c.Tty ?? false, home, c.Env ?? []);
  const sec = parseSecurityOpts(hc.SecurityOpt ?? []);
  const net = hc.NetworkMode ?? 'bridge';
  if (net.startsWith('container:') && !netnsPath) throw new InvalidParameterError(`cannot join network of a non running container: ${net.slice(10)}`);
  const devices = await Promise.all((hc.Devices ?? []).map((d) => statDevice(d.PathOnHost ?? '', d.PathInContainer || d.PathOnHost || '', d.CgroupPermissions || 'rwm')));
  checkDeviceRequests(hc.DeviceRequests);
  const [weightDevices, readBps, writeBps, readIOps, writeIOps] = await Promise.all([
    Promise.all((hc.BlkioWeightDevice ?? []).map(async (d) => ({ ...(await blkioDevice(d.Path)), weight: d.Weight }))),
    throttle(hc.BlkioDeviceReadBps),
    throttle(hc.BlkioDeviceWriteBps),
    throttle(hc.BlkioDeviceReadIOps),
    throttle(hc.BlkioDeviceWriteIOps),
  ]);
  if (hc.Init && !host.initPath) throw new InvalidParameterError('--init needs tini: apt-get install tini');
  return {
    id: rec.ID,
    rootfs,
    args: [rec.Path, ...rec.Args],
    env,
    cwd: c.WorkingDir || '/',
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname: c.Hostname ?? '',
    domainname: c.Domainname || undefined,
    tty: c.Tty ?? false,
    consoleSize: hc.ConsoleSize && hc.ConsoleSize[0] > 0 ? { height: hc.ConsoleSize[0], width: hc.ConsoleSize[1] } : undefined,
    openStdin: c.OpenStdin ?? false,
    readOnlyRootfs: hc.ReadonlyRootfs ?? false,
    privileged: hc.Privileged ?? false,
    capAdd: hc.CapAdd ?? [],
    capDrop: hc.CapDrop ?? [],
    availableCaps: host.availableCaps,
    noNewPrivileges: sec.noNewPrivileges,
    seccomp: hc.Privileged ? 'unconfined' : sec.seccomp,
    apparmor: host.apparmor ? sec.apparmor : undefined,
    arch: host.arch,
    kernelVersion: host.kernelVersion,
    kernelLacks: host.kernelLacks,
    network: net.startsWith('container:') ? { mode: 'ns', nsPath: netnsPath } : net === 'host' ? { mode: 'host' } : net === 'none' ? { mode: 'none' } : { mode: 'private', nsPath: netnsPath },
    pidMode: namespaceMode(hc.PidMode, 'PID', pidNsPath),
    pidNsPath,
    ipcMode: hc.IpcMode === 'none' ? 'none' : namespaceMode(hc.IpcMode, 'IPC', ipc?.nsPath),
    ipcNsPath: ipc?.nsPath,
    shmSource: ipc?.shm || ownShm,
    utsMode: namespaceMode(hc.UTSMode, 'UTS', undefined) === 'host' ? 'host' : 'private',
    cgroupnsMode: hc.CgroupnsMode === 'private' ? 'private' : 'host',
    cgroupsPath,
    resources: {
      memory: hc.Memory || undefined,
      memorySwap: hc.MemorySwap || undefined,
      memoryReservation: hc.MemoryReservation || undefined,
      memorySwappiness: hc.MemorySwappiness ?? undefined,
      nanoCpus: hc.NanoCpus || undefined,
      cpuShares: hc.CpuShares || undefined,
      cpuPeriod: hc.CpuPeriod || undefined,
      cpuQuota: hc.CpuQuota || undefined,
      cpusetCpus: hc.CpusetCpus || undefined,
      cpusetMems: hc.CpusetMems || undefined,
      cpuRealtimePeriod: hc.CpuRealtimePeriod || undefined,
      cpuRealtimeRuntime: hc.CpuRealtimeRuntime || undefined,
      pidsLimit: hc.PidsLimit ?? undefined,
      blkioWeight: hc.BlkioWeight || undefined,
      blkioWeightDevices: weightDevices,
      throttleReadBps: readBps,
      throttleWriteBps: writeBps,
      throttleReadIOps: readIOps,
      throttleWriteIOps: writeIOps,
      oomKillDisable: hc.OomKillDisable ?? undefined,
    },
    ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
    hostRlimits: host.hostRlimits,
    devices,
    hostDevices: hc.Privileged ? await listHostDevices() : undefined,
    deviceCgroupRules: hc.DeviceCgroupRules ?? [],
    shmSize: hc.ShmSize || undefined,
    tmpfs: hc.Tmpfs ?? {},
    mounts,
    hostsFile: files.hosts,
    hostnameFile: files.hostname,
    resolvConfFile: files.resolvConf,
    rroSupported: true,
    init: hc.Init ? host.initPath : undefined,
    sysctls: hc.Sysctls ?? {},
    oomScoreAdj: hc.OomScoreAdj,
    maskedPaths: hc.MaskedPaths ?? undefined,
    readonlyPaths: hc.ReadonlyPaths ?? undefined,
    annotations: hc.Annotations,
  };
}

const HOSTS_BASE = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

/** /etc/hosts: the host's own for --network host, else Docker's standard entries plus ExtraHosts. */
export function hostsContent(rec: ContainerRecord, hostHosts: string): string {
  if (rec.HostConfig.NetworkMode === 'host') return hostHosts;
  const extra = (rec.HostConfig.ExtraHosts ?? []).map((h) => {
    const i = h.indexOf(':');
    return `${h.slice(i + 1)}\t${h.slice(0, i)}\n`;
  });
  // Docker's line for the container itself: its first address and its hostname.
  const ep = Object.values(rec.Endpoints ?? {}).find((e) => e.IPAddress);
  const own = [ep?.IPAddress, ep?.GlobalIPv6Address].filter(Boolean).map((ip) => `${ip!}\t${rec.Config.Hostname ?? ''}\n`).join('');
  return HOSTS_BASE + extra.join('') + own;
}

/** On a user-defined network the embedded DNS at 127.0.0.11 answers, as Docker's does. */
function usesEmbeddedDNS(rec: ContainerRecord): boolean {
  return Object.keys(rec.Endpoints ?? {}).some((n) => n !== 'bridge');
}

/** resolv.conf: the host's, without loopback nameservers a private network cannot reach. */
export function resolvConfContent(rec: ContainerRecord, hostResolv: string): string {
  const hc = rec.HostConfig;
  if (hc.NetworkMode === 'host' && !hc.Dns?.length && !hc.DnsSearch?.length && !hc.DnsOptions?.length) return hostResolv;
  let lines = hostResolv.split('\n').filter((l) => l.trim() !== '');
  if (hc.NetworkMode !== 'host') lines = lines.filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  if (usesEmbeddedDNS(rec)) {
    const opts = ['ndots:0', ...(hc.DnsOptions ?? [])];
    lines = lines.filter((l) => !/^\s*(nameserver|options)\s/.test(l));
    if (hc.DnsSearch?.length) lines = [...lines.filter((l) => !/^\s*(search|domain)\s/.test(l)), `search ${hc.DnsSearch.join(' ')}`];
    return `nameserver 127.0.0.11\n${lines.join('\n')}${lines.length ? '\n' : ''}options ${opts.join(' ')}\n`;
  }
  if (hc.Dns?.length) lines = [...lines.filter((l) => !/^\s*nameserver\s/.test(l)), ...hc.Dns.map((d) => `nameserver ${d}`)];
  if (hc.DnsSearch?.length) lines = [...lines.filter((l) => !/^\s*(search|domain)\s/.test(l)), `search ${hc.DnsSearch.join(' ')}`];
  if (hc.DnsOptions?.length) lines = [...lines.filter((l) => !/^\s*options\s/.test(l)), `options ${hc.DnsOptions.join(' ')}`];
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return `${lines.join('\n')}\n`;
}

/** Writes the container's hosts, hostname and resolv.conf from the host's own and its config. */
/**
 * In place: a few hundred bytes each, where six round trips to the thread pool cost a start more.
 * Rewritten at every start, so no fsync: a crash loses nothing the next start needs.
 */
export function writeNetworkFiles(rec: ContainerRecord, files: NetworkFiles): void {
  const hostHosts = readOr('/etc/hosts', '');
  const hostResolv = readOr('/etc/resolv.conf', '');
  const hostname = rec.HostConfig.NetworkMode === 'host' ? readOr('/etc/hostname', 'localhost').trim() : rec.Config.Hostname ?? '';
  writeFileSync(files.hosts, hostsContent(rec, hostHosts));
  writeFileSync(files.hostname, `${hostname}\n`);
  writeFileSync(files.resolvConf, resolvConfContent(rec, hostResolv));
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
