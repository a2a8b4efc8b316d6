// The device and limit flags of HostConfig's Resources: --device (host paths and CDI names),
// --device-cgroup-rule, --gpus, --blkio-weight-device, --device-{read,write}-{bps,iops} and
// --ulimit, with docker's parsing rules and error texts.

import { InvalidParameterError } from '../../errors.js';
import { ramInBytes } from '../format/units.js';
import { readCSVRecord } from './csv.js';
import { kvMap } from './kvfile.js';
import { cleanPath } from './mounts.js';
import { atoi, numErrorReason, parseInt, parseUint } from './strconv.js';
import type { DeviceMapping, DeviceRequest, ThrottleDevice, Ulimit, WeightDevice } from '../../types/container.js';

/** r, w and m, each at most once. */
function validDeviceMode(mode: string): boolean {
  return mode !== '' && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

const isLetter = (c: string) => /^[A-Za-z]$/.test(c);
const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);

function validVendorOrClass(name: string): boolean {
  return name !== '' && isLetter(name[0]) && /^[A-Za-z0-9_.-]*$/.test(name.slice(1, -1)) && isAlnum(name[name.length - 1]);
}

/** CDI's IsQualifiedName: "vendor.com/class=name", which docker sends as a "cdi" device request. */
export function isCDIDevice(device: string): boolean {
  if (device === '' || device[0] === '/') return false;
  const eq = device.indexOf('=');
  if (eq <= 0 || eq === device.length - 1) return false;
  const kind = device.slice(0, eq);
  const name = device.slice(eq + 1);
  const slash = kind.indexOf('/');
  if (slash <= 0 || slash === kind.length - 1) return false;
  const validName = isAlnum(name[0]) && (name.length === 1 || (/^[A-Za-z0-9_.:-]*$/.test(name.slice(1, -1)) && isAlnum(name[name.length - 1])));
  return validVendorOrClass(kind.slice(0, slash)) && validVendorOrClass(kind.slice(slash + 1)) && validName;
}

/** --device "/dev/x[:/dev/y][:rwm]" for a Linux daemon (docker's validateLinuxPath + parseLinuxDevice). */
export function parseDevice(device: string): DeviceMapping {
  if (device.split(':').length > 3) throw new InvalidParameterError(`bad format for path: ${device}`);
  const split = device.split(':');
  if (split[0] === '') throw new InvalidParameterError(`bad format for path: ${device}`);
  let containerPath: string;
  let src = split[0];
  let dst = '';
  let permissions = 'rwm';
  if (split.length === 1) {
    containerPath = split[0];
    src = cleanPath(containerPath);
  } else if (split.length === 2) {
    if (validDeviceMode(split[1])) {
      containerPath = split[0];
      src = cleanPath(containerPath);
      permissions = split[1];
    } else {
      containerPath = split[1];
      dst = cleanPath(containerPath);
    }
  } else {
    containerPath = split[1];
    if (!validDeviceMode(split[2])) throw new InvalidParameterError(`bad mode specified: ${split[2]}`);
    dst = containerPath;
    permissions = split[2];
  }
  if (!containerPath.startsWith('/')) throw new InvalidParameterError(`${containerPath} is not an absolute path`);
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: permissions };
}

/** --device-cgroup-rule "c 1:3 mr". */
export function validateDeviceCgroupRule(val: string): string {
  if (/^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/.test(val)) return val;
  throw new InvalidParameterError(`invalid device cgroup format '${val}'`);
}

function devicePath(val: string): [string, string] {
  const colon = val.indexOf(':');
  if (colon <= 0) throw new InvalidParameterError(`bad format: ${val}`);
  const path = val.slice(0, colon);
  if (!path.startsWith('/dev/')) throw new InvalidParameterError(`bad format for device path: ${val}`);
  return [path, val.slice(colon + 1)];
}

/** --blkio-weight-device "/dev/sda:200": 10 to 1000, or 0. */
export function parseWeightDevice(val: string): WeightDevice {
  const [Path, v] = devicePath(val);
  let weight: number;
  try {
    weight = parseUint(v, 10, 16);
  } catch {
    throw new InvalidParameterError(`invalid weight for device: ${val}`);
  }
  if (weight > 0 && (weight < 10 || weight > 1000)) throw new InvalidParameterError(`invalid weight for device: ${val}`);
  return { Path, Weight: weight };
}

/** --device-read-bps / --device-write-bps "/dev/sda:1mb". */
export function parseThrottleBps(val: string): ThrottleDevice {
  const [Path, v] = devicePath(val);
  try {
    return { Path, Rate: ramInBytes(v) };
  } catch {
    throw new InvalidParameterError(`invalid rate for device: ${val}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`);
  }
}

/** --device-read-iops / --device-write-iops "/dev/sda:100". */
export function parseThrottleIOps(val: string): ThrottleDevice {
  const [Path, v] = devicePath(val);
  try {
    return { Path, Rate: parseUint(v, 10, 64) };
  } catch {
    throw new InvalidParameterError(`invalid rate for device: ${val}. The correct format is <device-path>:<number>. Number must be a positive integer`);
  }
}

const ULIMITS = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/** go-units ParseUlimit: "nofile=1024[:2048]"; the hard limit defaults to the soft one. */
export function parseUlimit(val: string): Ulimit {
  const eq = val.indexOf('=');
  if (eq < 0) throw new InvalidParameterError(`invalid ulimit argument: ${val}`);
  const name = val.slice(0, eq);
  if (!ULIMITS.includes(name)) throw new InvalidParameterError(`invalid ulimit type: ${name}`);
  const limits = val.slice(eq + 1).split(':');
  if (limits.length > 2) {
    throw new InvalidParameterError(`too many limit value arguments - ${val.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  }
  const hard = limits.length === 2 ? parseInt(limits[1], 10, 64) : undefined;
  const soft = parseInt(limits[0], 10, 64);
  const h = hard ?? soft;
  if (h !== -1) {
    if (soft === -1) throw new InvalidParameterError(`ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: ${h}`);
    if (soft > h) throw new InvalidParameterError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${h}`);
  }
  return { Name: name, Hard: h, Soft: soft };
}

function parseCount(s: string): number {
  if (s === 'all') return -1;
  try {
    return atoi(s);
  } catch (err) {
    throw new InvalidParameterError(`invalid count (${s}): value must be either "all" or an integer: ${numErrorReason(err)}`);
  }
}

/** --gpus "all", "2", "device=0,1" or "\"capabilities=compute,utility\",driver=nvidia,count=2". */
export function parseGpus(value: string): DeviceRequest {
  const req: DeviceRequest = {};
  const seen = new Set<string>();
  for (const field of readCSVRecord(value)) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = eq < 0 ? '' : field.slice(eq + 1);
    if (seen.has(key)) throw new InvalidParameterError(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq < 0) {
      seen.add('count');
      req.Count = parseCount(key);
      continue;
    }
    switch (key) {
      case 'driver': req.Driver = val; break;
      case 'count': req.Count = parseCount(val); break;
      case 'device': req.DeviceIDs = val.split(','); break;
      case 'capabilities': req.Capabilities = [[...val.split(','), 'gpu']]; break;
      case 'options': {
        let fields: string[];
        try {
          fields = readCSVRecord(val);
        } catch (err) {
          throw new InvalidParameterError(`failed to read gpu options: ${(err as Error).message}`);
        }
        req.Options = kvMap(fields);
        break;
      }
      default:
        throw new InvalidParameterError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!seen.has('count') && req.DeviceIDs === undefined) req.Count = 1;
  req.Options ??= {};
  req.Capabilities ??= [['gpu']];
  return req;
}
