// `POST /containers/create` → a container record: the user's config merged with the image's as
// dockerd merges them, validated with dockerd's texts. Pure: IDs, names and time come in.
import { InvalidParameterError } from '../errors.js';
import type { ImageRunConfig } from '../images/types.js';
import type { ContainerConfig, ContainerCreateBody, HealthConfig, HostConfig } from '../types/container.js';
import { posix } from 'node:path';
import { signalNumber } from './signals.js';
import { initialState, type ContainerRecord } from './types.js';

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateName(name: string): string {
  if (!NAME_RE.test(name)) throw new InvalidParameterError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : `/${name}`;
}

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

type Set_ = Record<string, Record<string, never>>;
const asSet = (m: Record<string, object>): Set_ => Object.fromEntries(Object.keys(m).map((k) => [k, {}]));

function mergeHealth(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image ? { ...image } : undefined;
  if (!image) return user;
  return {
    ...user,
    Test: user.Test && user.Test.length ? user.Test : image.Test,
    Interval: user.Interval || image.Interval,
    Timeout: user.Timeout || image.Timeout,
    StartPeriod: user.StartPeriod || image.StartPeriod,
    StartInterval: user.StartInterval || image.StartInterval,
    Retries: user.Retries || image.Retries,
  };
}

/** moby's daemon.merge: the image fills what the user left out. */
export function mergeConfig(user: ContainerConfig, image: ImageRunConfig | undefined): ContainerConfig {
  const c: ContainerConfig = { ...user };
  if (!image) return c;
  if (!c.User) c.User = image.User ?? '';
  if (!c.ExposedPorts || Object.keys(c.ExposedPorts).length === 0) {
    if (image.ExposedPorts) c.ExposedPorts = asSet(image.ExposedPorts);
  } else if (image.ExposedPorts) c.ExposedPorts = { ...asSet(image.ExposedPorts), ...c.ExposedPorts };
  if (!c.Env || c.Env.length === 0) c.Env = [...(image.Env ?? [])];
  else {
    const keys = new Set(c.Env.map(envKey));
    c.Env = [...c.Env, ...(image.Env ?? []).filter((e) => !keys.has(envKey(e)))];
  }
  if (image.Labels) c.Labels = { ...image.Labels, ...(c.Labels ?? {}) };
  if (!c.Entrypoint || c.Entrypoint.length === 0) {
    if (!c.Cmd || c.Cmd.length === 0) {
      c.Cmd = image.Cmd ? [...image.Cmd] : c.Cmd;
      if (image.ArgsEscaped !== undefined) c.ArgsEscaped = image.ArgsEscaped;
    }
    if (c.Entrypoint === undefined || c.Entrypoint === null) c.Entrypoint = image.Entrypoint ? [...image.Entrypoint] : null;
  }
  c.Healthcheck = mergeHealth(c.Healthcheck, image.Healthcheck as HealthConfig | undefined);
  if (!c.WorkingDir) c.WorkingDir = image.WorkingDir ?? '';
  if (!c.Volumes || Object.keys(c.Volumes).length === 0) {
    if (image.Volumes) c.Volumes = asSet(image.Volumes);
  } else if (image.Volumes) c.Volumes = { ...asSet(image.Volumes), ...c.Volumes };
  if (!c.StopSignal && image.StopSignal) c.StopSignal = image.StopSignal;
  if ((!c.OnBuild || c.OnBuild.length === 0) && image.OnBuild) c.OnBuild = [...image.OnBuild];
  if ((!c.Shell || c.Shell.length === 0) && image.Shell) c.Shell = [...image.Shell];
  return c;
}

/** The process to run: Entrypoint then Cmd; `--entrypoint ""` resets the image's entrypoint. */
export function entrypointAndArgs(config: ContainerConfig): { path: string; args: string[] } {
  const raw = config.Entrypoint ?? [];
  const entry = raw.length === 1 && raw[0] === '' ? [] : raw;
  const argv = [...entry, ...(config.Cmd ?? [])];
  if (argv.length === 0) throw new InvalidParameterError('No command specified');
  return { path: argv[0]!, args: argv.slice(1) };
}

const RESTART_NAMES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);

/** dockerd's verifyPlatformContainerSettings / validateHostConfig checks that apply on Linux. */
export function validateHostConfig(hc: HostConfig): void {
  const rp = hc.RestartPolicy;
  if (rp) {
    if (!RESTART_NAMES.has(rp.Name ?? '')) throw new InvalidParameterError(`invalid restart policy: unknown policy '${rp.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
    const max = rp.MaximumRetryCount ?? 0;
    if (max < 0) throw new InvalidParameterError('invalid restart policy: maximum retry count cannot be negative');
    if (max > 0 && rp.Name !== 'on-failure') throw new InvalidParameterError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
    if (hc.AutoRemove && rp.Name && rp.Name !== 'no') throw new InvalidParameterError(`can't create 'AutoRemove' container with restart policy`);
  }
  if (hc.Memory && hc.Memory > 0 && hc.Memory < 6 * 1024 * 1024) throw new InvalidParameterError('Minimum memory limit allowed is 6MB');
  if (hc.MemorySwap && hc.MemorySwap > 0 && hc.Memory && hc.MemorySwap < hc.Memory) {
    throw new InvalidParameterError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (hc.MemorySwap && hc.MemorySwap > 0 && !hc.Memory) throw new InvalidParameterError('You should always set the Memory limit when using Memoryswap limit, see usage');
  const ipc = hc.IpcMode ?? '';
  if (!['', 'none', 'private', 'host', 'shareable'].includes(ipc) && !ipc.startsWith('container:')) throw new InvalidParameterError(`invalid IPC mode: ${ipc}`);
  const pid = hc.PidMode ?? '';
  if (pid !== '' && pid !== 'host' && !/^container:./.test(pid)) throw new InvalidParameterError(`invalid PID mode: ${pid}`);
  if (hc.ShmSize !== undefined && hc.ShmSize < 0) throw new InvalidParameterError('SHM size can not be less than 0');
  if (hc.UTSMode && hc.UTSMode !== 'host') throw new InvalidParameterError(`invalid UTS mode: ${hc.UTSMode}`);
  if (hc.Isolation && hc.Isolation !== 'default') throw new InvalidParameterError(`invalid isolation '${hc.Isolation}' on linux`);
  if (Object.hasOwn(hc.Annotations ?? {}, '')) throw new InvalidParameterError('invalid Annotations: the empty string is not permitted as an annotation key');
  // overlay2's options: a size needs project quotas (xfs with pquota), which tug's overlay store does not keep.
  const storage = Object.keys(hc.StorageOpt ?? {}).map((k) => k.toLowerCase());
  if (storage.includes('size')) throw new InvalidParameterError("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  if (storage.length) throw new InvalidParameterError(`Unknown option ${storage[0]}`);
  if (hc.OomScoreAdj !== undefined && (hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000)) {
    throw new InvalidParameterError(`Invalid value ${hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
}

/** dockerd's validateContainerConfig, on the config as the client sent it (before the image's is merged in). */
export function validateContainerConfig(config: ContainerConfig): void {
  if (config.WorkingDir) {
    if (!config.WorkingDir.startsWith('/')) throw new InvalidParameterError(`the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
    config.WorkingDir = posix.normalize(config.WorkingDir).replace(/(.)\/$/, '$1');
  }
  if (config.StopSignal) {
    if (signalNumber(config.StopSignal) === '0') throw new InvalidParameterError(`Invalid signal: ${config.StopSignal}`);
  }
  for (const env of config.Env ?? []) {
    if (env.split('=')[0] === '') throw new InvalidParameterError(`invalid environment variable: ${env}`);
  }
  const hc = config.Healthcheck;
  if (hc) {
    const MIN = 1_000_000;
    for (const key of ['Interval', 'Timeout'] as const) {
      if (hc[key] && hc[key]! < MIN) throw new InvalidParameterError(`${key} in Healthcheck cannot be less than 1ms`);
    }
    if ((hc.Retries ?? 0) < 0) throw new InvalidParameterError('Retries in Healthcheck cannot be negative');
    for (const key of ['StartPeriod', 'StartInterval'] as const) {
      if (hc[key] && hc[key]! < MIN) throw new InvalidParameterError(`${key} in Healthcheck cannot be less than 1ms`);
    }
  }
}

export interface NewContainer {
  id: string;
  name: string;
  /** RFC3339Nano creation time. */
  now: string;
  imageID: string;
  imageConfig: ImageRunConfig | undefined;
  layers: string[];
  logPath: string;
}

export function fromCreateBody(body: ContainerCreateBody, n: NewContainer): ContainerRecord {
  const { HostConfig: hc = {}, NetworkingConfig: _net, ...user } = body;
  const hostConfig: HostConfig = { NetworkMode: 'bridge', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, LogConfig: { Type: 'json-file', Config: {} }, ...hc };
  if (!hostConfig.NetworkMode || hostConfig.NetworkMode === 'default') hostConfig.NetworkMode = 'bridge';
  // dockerd's default-ipc-mode.
  if (!hostConfig.IpcMode) hostConfig.IpcMode = 'private';
  validateContainerConfig(user);
  validateHostConfig(hostConfig);
  const config = mergeConfig(user, n.imageConfig);
  if (!config.Hostname) config.Hostname = hostConfig.NetworkMode === 'host' ? '' : n.id.slice(0, 12);
  const { path, args } = entrypointAndArgs(config);
  return {
    ID: n.id,
    Name: n.name,
    Created: n.now,
    Path: path,
    Args: args,
    Config: config,
    HostConfig: hostConfig,
    Image: n.imageID,
    State: initialState(),
    RestartCount: 0,
    ManuallyStopped: false,
    Layers: n.layers,
    LogPath: n.logPath,
    Platform: 'linux',
    Driver: 'overlay2',
  };
}
