// `docker run`/`docker create` flags → RunOptions: the ContainerCreate body and the request's
// query, as the docker CLI builds them client-side. Pure: files and the client's environment
// come in through RunEnvironment. Flag values are checked first (errors read `invalid argument
// "…" for "-p, --publish" flag: …`, as pflag prints them), then the flags together.

import { InvalidParameterError, errorMessage } from '../../errors.js';
import { goQuote } from '../format/gofmt.js';
import { ramInBytes } from '../format/units.js';
import { parseGoDuration } from '../../units/goduration.js';
import { RUN_FLAGS, flagKey, flagLabel, type RunFlags } from './flags.js';
import { kvMap, mergeEnv, parseKVFile, validateEnv, validateLabel } from './kvfile.js';
import { parseMount, validateMount } from './mounts.js';
import { isMAC } from './netaddr.js';
import { networkConfig, parseNetworkFlag, validateDNSSearch, validateExtraHost, validateIPAddress, validateLink } from './network.js';
import { goArch, normalizePlatform } from './platform.js';
import { parseExpose, parsePublish } from './ports.js';
import {
  isCDIDevice, parseDevice, parseGpus, parseThrottleBps, parseThrottleIOps, parseUlimit, parseWeightDevice, validateDeviceCgroupRule,
} from './resources.js';
import { goFileError, normalizeCapabilities, parseSecurityOpts } from './security.js';
import { parseCPUs, parseInt, parseUint } from './strconv.js';
import type { ContainerCreateBody, HealthConfig, HostConfig, RestartPolicy, RestartPolicyName, Ulimit } from '../../types/container.js';
import { parseBind, parseTmpfs, splitVolumes } from './volumes.js';

export interface RunEnvironment {
  /** Reads a client-side file (--env-file, --label-file, a seccomp profile); throws Node's fs errors. */
  readFile(path: string): string;
  /** The client's working directory: "./data:/data" binds are made absolute against it. */
  cwd: string;
  /** The client's environment: a bare `-e VAR` (or `VAR` line in an env file) takes its value from it. */
  hostEnv?: Record<string, string | undefined>;
  /** The client's GOARCH, for `--platform linux`; defaults to this process's. */
  arch?: string;
}

export type PullPolicy = 'missing' | 'always' | 'never';

/** Everything `docker run`/`docker create` decides before talking to the daemon. */
export interface RunOptions {
  body: ContainerCreateBody;
  image: string;
  /** The `name` query parameter. */
  name?: string;
  /** The `platform` query parameter, normalized ("linux/arm64"). */
  platform?: string;
  pull: PullPolicy;
  quiet: boolean;
  /** run -d: print the ID instead of attaching. Always false for create. */
  detach: boolean;
  /** run: forward the client's signals to the container (--sig-proxy, default true). */
  sigProxy: boolean;
  detachKeys?: string;
  /** Where to write the new container's ID (--cidfile). */
  cidfile?: string;
  /** Warnings docker prints after creating ("WARNING: …"). */
  warnings: string[];
}

/** A flag whose value does not parse, reported the way pflag reports it. */
export class FlagValueError extends InvalidParameterError {
  constructor(readonly flag: string, readonly value: string, reason: string) {
    super(`invalid argument ${goQuote(value)} for "${flag}" flag: ${reason}`);
  }
}

function check<T>(long: string, value: string, parse: (s: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw new FlagValueError(flagLabel(long), value, errorMessage(err));
  }
}
const one = <T>(long: string, value: string | undefined, parse: (s: string) => T): T | undefined =>
  value === undefined ? undefined : check(long, value, parse);
const all = <T>(long: string, values: readonly string[] | undefined, parse: (s: string) => T): T[] =>
  (values ?? []).map((v) => check(long, v, parse));

const WINDOWS_ONLY = RUN_FLAGS.filter((f) => f.windowsOnly).map((f) => f.long);
const int = (s: string) => parseInt(s, 0, 64);
const memSwap = (s: string) => (s === '-1' ? -1 : ramInBytes(s));

function validateAttach(val: string): string {
  const s = val.toLowerCase();
  if (['stdin', 'stdout', 'stderr'].includes(s)) return s;
  throw new InvalidParameterError('valid streams are STDIN, STDOUT and STDERR');
}

function validateSysctl(val: string): string {
  const eq = val.indexOf('=');
  const k = eq < 0 ? '' : val.slice(0, eq);
  const allowed = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
  if (k !== '' && (allowed.includes(k) || k.startsWith('net.') || k.startsWith('fs.mqueue.'))) return val;
  throw new InvalidParameterError(`sysctl '${val}' is not allowed`);
}

/** docker's ParseRestartPolicy, then the daemon's ValidateRestartPolicy. */
export function parseRestartPolicy(policy: string): RestartPolicy {
  if (policy === '') return { Name: '' };
  const colon = policy.indexOf(':');
  const name = colon < 0 ? policy : policy.slice(0, colon);
  const count = colon < 0 ? '' : policy.slice(colon + 1);
  if (colon === 0) throw new InvalidParameterError('invalid restart policy format: no policy provided before colon');
  const p: RestartPolicy = { Name: name as RestartPolicyName, MaximumRetryCount: 0 };
  if (count !== '') {
    try {
      p.MaximumRetryCount = parseInt(count, 10, 64, 'Atoi');
    } catch {
      throw new InvalidParameterError('invalid restart policy format: maximum retry count must be an integer');
    }
  }
  const retries = p.MaximumRetryCount ?? 0;
  if (['always', 'unless-stopped', 'no'].includes(name) && retries !== 0) {
    throw new InvalidParameterError(`invalid restart policy: maximum retry count can only be used with 'on-failure'${retries < 0 ? ' and cannot be negative' : ''}`);
  }
  if (name === 'on-failure' && retries < 0) throw new InvalidParameterError('invalid restart policy: maximum retry count cannot be negative');
  if (!['always', 'unless-stopped', 'no', 'on-failure'].includes(name)) {
    throw new InvalidParameterError(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  return p;
}

function readFileFor(env: RunEnvironment, path: string): string {
  try {
    return env.readFile(path);
  } catch (err) {
    throw new InvalidParameterError(goFileError('open', path, err));
  }
}

/** Turns the parsed flags, IMAGE and COMMAND into the create request, or throws InvalidParameterError. */
export function fromFlags(flags: RunFlags, image: string, args: readonly string[], env: RunEnvironment): RunOptions {
  const lookup = (k: string) => env.hostEnv?.[k];

  // Each value on its own, in docker's help order (pflag checks them as it parses).
  const attach = all('attach', flags.attach, validateAttach);
  const blkioWeight = one('blkio-weight', flags.blkioWeight, (s) => parseUint(s, 0, 16));
  const weightDevices = all('blkio-weight-device', flags.blkioWeightDevice, parseWeightDevice);
  const cpuPeriod = one('cpu-period', flags.cpuPeriod, int);
  const cpuQuota = one('cpu-quota', flags.cpuQuota, int);
  const cpuRtPeriod = one('cpu-rt-period', flags.cpuRtPeriod, int);
  const cpuRtRuntime = one('cpu-rt-runtime', flags.cpuRtRuntime, int);
  const cpuShares = one('cpu-shares', flags.cpuShares, int);
  const nanoCpus = one('cpus', flags.cpus, parseCPUs);
  const cgroupRules = all('device-cgroup-rule', flags.deviceCgroupRule, validateDeviceCgroupRule);
  const readBps = all('device-read-bps', flags.deviceReadBps, parseThrottleBps);
  const readIOps = all('device-read-iops', flags.deviceReadIops, parseThrottleIOps);
  const writeBps = all('device-write-bps', flags.deviceWriteBps, parseThrottleBps);
  const writeIOps = all('device-write-iops', flags.deviceWriteIops, parseThrottleIOps);
  const dns = all('dns', flags.dns, validateIPAddress);
  const dnsSearch = all('dns-search', flags.dnsSearch, validateDNSSearch);
  const envFlags = all('env', flags.env, (v) => validateEnv(v, lookup));
  const gpus = all('gpus', flags.gpus, parseGpus);
  const healthInterval = one('health-interval', flags.healthInterval, parseGoDuration) ?? 0;
  const healthRetries = one('health-retries', flags.healthRetries, int) ?? 0;
  const healthStartInterval = one('health-start-interval', flags.healthStartInterval, parseGoDuration) ?? 0;
  const healthStartPeriod = one('health-start-period', flags.healthStartPeriod, parseGoDuration) ?? 0;
  const healthTimeout = one('health-timeout', flags.healthTimeout, parseGoDuration) ?? 0;
  one('io-maxbandwidth', flags.ioMaxbandwidth, ramInBytes);
  one('io-maxiops', flags.ioMaxiops, (s) => parseUint(s, 0, 64));
  one('cpu-count', flags.cpuCount, int);
  one('cpu-percent', flags.cpuPercent, int);
  // Accepted for compatibility; API 1.42+ clients send no kernel memory limit.
  one('kernel-memory', flags.kernelMemory, ramInBytes);
  const labelFlags = all('label', flags.label, validateLabel);
  all('link', flags.link, validateLink);
  const addHosts = all('add-host', flags.addHost, validateExtraHost);
  const memory = one('memory', flags.memory, ramInBytes);
  const memoryReservation = one('memory-reservation', flags.memoryReservation, ramInBytes);
  const memorySwap = one('memory-swap', flags.memorySwap, memSwap);
  const swappiness = one('memory-swappiness', flags.memorySwappiness, int) ?? -1;
  const mounts = all('mount', flags.mount, (v) => parseMount(v, env.cwd));
  const networks = all('network', flags.network, parseNetworkFlag);
  const oomScoreAdj = one('oom-score-adj', flags.oomScoreAdj, int);
  const pidsLimit = one('pids-limit', flags.pidsLimit, int) ?? 0;
  const shmSize = one('shm-size', flags.shmSize, ramInBytes);
  const stopTimeout = one('stop-timeout', flags.stopTimeout, int);
  const sysctls = kvMap(all('sysctl', flags.sysctl, validateSysctl));
  const ulimits = new Map<string, Ulimit>();
  for (const u of all('ulimit', flags.ulimit, parseUlimit)) ulimits.set(u.Name, u);

  const windowsOnly = WINDOWS_ONLY.filter((long) => (flags as Record<string, unknown>)[flagKey(long)] !== undefined);
  if (windowsOnly.length > 0) {
    throw new InvalidParameterError(windowsOnly.map((long) => `"--${long}" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux`).join('\n'));
  }
  const pull = flags.pull ?? 'missing';
  if (!['always', 'missing', 'never', ''].includes(pull)) {
    throw new InvalidParameterError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  }

  // Then the flags together, in the order docker's parse() takes them.
  if (flags.macAddress && !isMAC(flags.macAddress.trim())) {
    throw new InvalidParameterError(`${flags.macAddress} is not a valid mac address`);
  }
  const attachStdin = attach.includes('stdin') || flags.interactive === true;
  const attachStdout = attach.length === 0 || attach.includes('stdout');
  const attachStderr = attach.length === 0 || attach.includes('stderr');
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw new InvalidParameterError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  }
  const { binds, volumes } = splitVolumes(flags.volume ?? [], env.cwd);
  const tmpfs = parseTmpfs(flags.tmpfs ?? []);
  const published = parsePublish(flags.publish ?? []);
  const exposed = new Set(published.exposed);
  for (const e of flags.expose ?? []) for (const p of parseExpose(e)) exposed.add(p);
  const devices = (flags.device ?? []).filter((d) => !isCDIDevice(d)).map(parseDevice);
  const cdiDevices = (flags.device ?? []).filter(isCDIDevice);
  const envFiles = (flags.envFile ?? []).flatMap((f) => parseKVFile(readFileFor(env, f), f, lookup));
  const labelFiles = (flags.labelFile ?? []).flatMap((f) => parseKVFile(readFileFor(env, f), f));
  const pid = flags.pid ?? '';
  if (!(pid === '' || pid === 'host' || /^container:./s.test(pid))) throw new InvalidParameterError('--pid: invalid PID mode');
  if (!['', 'host'].includes(flags.uts ?? '')) throw new InvalidParameterError('--uts: invalid UTS mode');
  if (!['', 'host'].includes(flags.userns ?? '')) throw new InvalidParameterError('--userns: invalid USER mode');
  if (!['', 'private', 'host'].includes(flags.cgroupns ?? '')) throw new InvalidParameterError('--cgroupns: invalid CGROUP mode');
  const restartPolicy = parseRestartPolicy(flags.restart ?? 'no');
  const logDriver = flags.logDriver ?? '';
  if (logDriver === 'none' && (flags.logOpt ?? []).length > 0) throw new InvalidParameterError(`invalid logging opts for driver ${logDriver}`);
  const security = parseSecurityOpts(flags.securityOpt ?? [], (p) => env.readFile(p));
  const storageOpt: Record<string, string> = {};
  for (const o of flags.storageOpt ?? []) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new InvalidParameterError('invalid storage option');
    storageOpt[o.slice(0, eq)] = o.slice(eq + 1);
  }
  const healthcheck = healthConfig(flags, { healthInterval, healthTimeout, healthStartPeriod, healthStartInterval, healthRetries });
  const deviceRequests = [...gpus, ...(cdiDevices.length > 0 ? [{ Driver: 'cdi', DeviceIDs: cdiDevices }] : [])];
  if (flags.rm && restartPolicy.Name !== 'no' && restartPolicy.Name !== '') {
    throw new InvalidParameterError('conflicting options: cannot specify both --restart and --rm');
  }
  const net = networkConfig(networks, {
    aliases: flags.networkAlias ?? [], links: flags.link ?? [], ipv4Address: flags.ip ?? '', ipv6Address: flags.ip6 ?? '',
    macAddress: flags.macAddress ?? '', linkLocalIPs: flags.linkLocalIp ?? [],
  });
  const detach = flags.detach === true;
  if (detach && attach.length > 0) throw new InvalidParameterError('conflicting options: cannot specify both --attach and --detach');
  const platformFlag = flags.platform ?? env.hostEnv?.DOCKER_DEFAULT_PLATFORM ?? '';
  const platform = platformFlag === '' ? undefined : normalizePlatform(platformFlag, env.arch ?? goArch(process.arch));
  const annotations = kvMap(flags.annotation ?? []);

  // What the daemon would refuse anyway, refused before the request is sent.
  for (const b of binds) parseBind(b, flags.volumeDriver ?? '');
  for (const m of mounts) validateMount(m);
  if ((nanoCpus ?? 0) > 0 && (cpuPeriod ?? 0) > 0) throw new InvalidParameterError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if ((nanoCpus ?? 0) > 0 && (cpuQuota ?? 0) > 0) throw new InvalidParameterError('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (Object.hasOwn(annotations, '')) throw new InvalidParameterError('invalid Annotations: the empty string is not permitted as an annotation key');

  const hostConfig: HostConfig = {
    Binds: binds.length > 0 ? binds : undefined,
    ContainerIDFile: flags.cidfile,
    LogConfig: { Type: logDriver, Config: kvMap(flags.logOpt ?? []) },
    NetworkMode: net.mode,
    PortBindings: published.bindings,
    RestartPolicy: restartPolicy,
    AutoRemove: flags.rm === true,
    VolumeDriver: flags.volumeDriver,
    VolumesFrom: flags.volumesFrom,
    ConsoleSize: [0, 0],
    Annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    CapAdd: normalizeCapabilities(flags.capAdd),
    CapDrop: normalizeCapabilities(flags.capDrop),
    CgroupnsMode: flags.cgroupns as HostConfig['CgroupnsMode'],
    Dns: dns,
    DnsOptions: flags.dnsOption ?? [],
    DnsSearch: dnsSearch,
    ExtraHosts: addHosts.length > 0 ? addHosts : undefined,
    GroupAdd: flags.groupAdd,
    IpcMode: flags.ipc,
    Links: flags.link,
    OomScoreAdj: oomScoreAdj,
    PidMode: flags.pid,
    Privileged: flags.privileged === true,
    PublishAllPorts: flags.publishAll === true,
    ReadonlyRootfs: flags.readOnly === true,
    SecurityOpt: flags.securityOpt ? security.securityOpt : undefined,
    StorageOpt: Object.keys(storageOpt).length > 0 ? storageOpt : undefined,
    Tmpfs: Object.keys(tmpfs).length > 0 ? tmpfs : undefined,
    UTSMode: flags.uts,
    UsernsMode: flags.userns,
    ShmSize: shmSize,
    Sysctls: Object.keys(sysctls).length > 0 ? sysctls : undefined,
    Runtime: flags.runtime,
    Isolation: flags.isolation,
    CpuShares: cpuShares,
    Memory: memory,
    NanoCpus: nanoCpus,
    CgroupParent: flags.cgroupParent,
    BlkioWeight: blkioWeight,
    BlkioWeightDevice: weightDevices,
    BlkioDeviceReadBps: readBps,
    BlkioDeviceWriteBps: writeBps,
    BlkioDeviceReadIOps: readIOps,
    BlkioDeviceWriteIOps: writeIOps,
    CpuPeriod: cpuPeriod,
    CpuQuota: cpuQuota,
    CpuRealtimePeriod: cpuRtPeriod,
    CpuRealtimeRuntime: cpuRtRuntime,
    CpusetCpus: flags.cpusetCpus,
    CpusetMems: flags.cpusetMems,
    Devices: devices,
    DeviceCgroupRules: cgroupRules.length > 0 ? cgroupRules : undefined,
    DeviceRequests: deviceRequests.length > 0 ? deviceRequests : undefined,
    MemoryReservation: memoryReservation,
    MemorySwap: memorySwap,
    MemorySwappiness: swappiness,
    OomKillDisable: flags.oomKillDisable === true,
    PidsLimit: pidsLimit,
    Ulimits: [...ulimits.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)),
    Mounts: mounts.length > 0 ? mounts : undefined,
    MaskedPaths: security.maskedPaths,
    ReadonlyPaths: security.readonlyPaths,
    Init: flags.init,
  };
  const body: ContainerCreateBody = {
    Hostname: flags.hostname,
    Domainname: flags.domainname,
    User: flags.user,
    AttachStdin: !detach && attachStdin,
    AttachStdout: !detach && attachStdout,
    AttachStderr: !detach && attachStderr,
    ExposedPorts: exposed.size > 0 ? Object.fromEntries([...exposed].map((p) => [p, {}])) : undefined,
    Tty: flags.tty === true,
    OpenStdin: flags.interactive === true,
    // With stdin attached, closing the client's stdin closes the container's.
    StdinOnce: !detach && flags.interactive === true && attachStdin,
    Env: mergeEnv(envFiles, envFlags),
    Cmd: args.length > 0 ? [...args] : undefined,
    Healthcheck: healthcheck,
    Image: image,
    Volumes: Object.fromEntries(volumes.map((v) => [v, {}])),
    WorkingDir: flags.workdir,
    Entrypoint: flags.entrypoint === undefined ? undefined : [flags.entrypoint],
    Labels: kvMap([...labelFiles, ...labelFlags]),
    StopSignal: flags.stopSignal,
    StopTimeout: stopTimeout,
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: net.endpoints },
  };
  const options: RunOptions = {
    body: prune(body),
    image,
    pull: pull === '' ? 'never' : (pull as PullPolicy),
    quiet: flags.quiet === true,
    detach,
    sigProxy: flags.sigProxy ?? true,
    warnings: dns.filter((ip) => /^127\./.test(ip) || ip === '::1').slice(0, 1).map((ip) => `Localhost DNS (${ip}) may fail in containers.`),
  };
  if (flags.name) options.name = flags.name;
  if (platform) options.platform = platform;
  if (flags.detachKeys) options.detachKeys = flags.detachKeys;
  if (flags.cidfile) options.cidfile = flags.cidfile;
  return options;
}

interface HealthDurations {
  healthInterval: number;
  healthTimeout: number;
  healthStartPeriod: number;
  healthStartInterval: number;
  healthRetries: number;
}

function healthConfig(flags: RunFlags, d: HealthDurations): HealthConfig | undefined {
  const cmd = flags.healthCmd ?? '';
  const any = cmd !== '' || d.healthInterval !== 0 || d.healthTimeout !== 0 || d.healthStartPeriod !== 0 || d.healthRetries !== 0 || d.healthStartInterval !== 0;
  if (flags.healthcheck === false) {
    if (any) throw new InvalidParameterError('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  const negative: Array<[number, string]> = [
    [d.healthInterval, 'interval'], [d.healthTimeout, 'timeout'], [d.healthRetries, 'retries'], [d.healthStartPeriod, 'start-period'], [d.healthStartInterval, 'start-interval'],
  ];
  for (const [v, name] of negative) if (v < 0) throw new InvalidParameterError(`--health-${name} cannot be negative`);
  const h: HealthConfig = {};
  if (cmd !== '') h.Test = ['CMD-SHELL', cmd];
  if (d.healthInterval) h.Interval = d.healthInterval;
  if (d.healthTimeout) h.Timeout = d.healthTimeout;
  if (d.healthStartPeriod) h.StartPeriod = d.healthStartPeriod;
  if (d.healthStartInterval) h.StartInterval = d.healthStartInterval;
  if (d.healthRetries) h.Retries = d.healthRetries;
  return h;
}

// Drops what docker sends as null, "" or 0 where Go reads absence the same way; keeps the
// pointer fields (MemorySwappiness, OomKillDisable, PidsLimit, Init, StopTimeout) and empty
// maps and lists that docker always sends.
const keep = new Set(['MemorySwappiness', 'OomKillDisable', 'PidsLimit', 'Init', 'StopTimeout', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce']);

function prune<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if ((v === '' || v === 0 || v === false) && !keep.has(k)) continue;
    if (k === 'Env' && Array.isArray(v) && v.length === 0) continue;
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && (k === 'HostConfig' || k === 'LogConfig' || k === 'RestartPolicy') ? prune(v) : v;
  }
  return out as T;
}
