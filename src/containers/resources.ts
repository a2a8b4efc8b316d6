// dockerd's verifyPlatformContainerResources on Linux, for what this host's cgroups all take
// (memory, cpu, cpuset, pids): the limits a create or an update gives are checked against each
// other and the host's CPUs with dockerd's words, and what the host cannot take (blkio limits
// here, CPU percent anywhere on Linux) is discarded, in place, with dockerd's warning.
import { InvalidParameterError, errorMessage } from '../errors.js';
import { normalizeCapabilities } from '../runtime/spec/index.js';
import type { HostConfig, Resources } from '../types/container.js';

const MIN_MEMORY = 6 * 1024 * 1024;
/** sysinfo's defaultMaxCPUs: a cpuset list naming more is refused before it is expanded (CVE-2018-20699). */
const MAX_CPUS = 8192;

export interface ResourceHost {
  blkio: BlkioSupport;
  /** CPUs this process may run on (Go's runtime.NumCPU). */
  cpus: number;
  /** The cpuset root's cpus and mems ("0-1"); undefined when no cpuset cgroup is found (nothing is checked then). */
  cpusetCpus: string | undefined;
  cpusetMems: string | undefined;
}

/** Which blkio limits the host's cgroups take, as dockerd's sysinfo finds them (runspec.ts blkioSupport). */
export interface BlkioSupport {
  weight: boolean;
  weightDevice: boolean;
  readBps: boolean;
  writeBps: boolean;
  readIOps: boolean;
  writeIOps: boolean;
}

const BLKIO_CHECKS: Array<[keyof BlkioSupport, 'BlkioWeightDevice' | 'BlkioDeviceReadBps' | 'BlkioDeviceWriteBps' | 'BlkioDeviceReadIOps' | 'BlkioDeviceWriteIOps', string]> = [
  ['weightDevice', 'BlkioWeightDevice', 'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.'],
  ['readBps', 'BlkioDeviceReadBps', 'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.'],
  ['writeBps', 'BlkioDeviceWriteBps', 'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.'],
  ['readIOps', 'BlkioDeviceReadIOps', 'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.'],
  ['writeIOps', 'BlkioDeviceWriteIOps', 'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.'],
];

/** The blkio part: a limit the host's cgroups cannot take is discarded with its warning; a weight it takes must be 10-1000. */
function verifyBlkio(hc: Resources, support: BlkioSupport, warnings: string[]): void {
  if ((hc.BlkioWeight ?? 0) > 0 && !support.weight) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    hc.BlkioWeight = 0;
  }
  const weight = hc.BlkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) throw new InvalidParameterError('Range of blkio weight is from 10 to 1000');
  for (const [feature, key, warning] of BLKIO_CHECKS) {
    if ((hc[key]?.length ?? 0) > 0 && !support[feature]) {
      warnings.push(warning);
      hc[key] = [];
    }
  }
}

/** Go's parsers.ParseUintListMaximum: "0-2,4" → {0,1,2,4}. */
export function parseUintList(val: string, maximum = 0): Set<number> {
  const out = new Set<number>();
  if (val === '') return out;
  const invalid = () => new InvalidParameterError(`invalid format: ${val}`);
  const int = (s: string) => {
    if (!/^[+-]?\d+$/.test(s)) throw invalid();
    return Number(s);
  };
  for (const r of val.split(',')) {
    const dash = r.indexOf('-');
    const [lo, hi] = dash < 0 ? [int(r), int(r)] : [int(r.slice(0, dash)), int(r.slice(dash + 1))];
    if (hi < lo) throw invalid();
    if (maximum !== 0 && hi > maximum) throw new InvalidParameterError(`value of out range, maximum is ${maximum}`);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

function checkCpuset(requested: string | undefined, available: string | undefined, what: 'cpus' | 'mems'): void {
  if (!requested || available === undefined) return;
  const have = parseUintList(available);
  let want: Set<number>;
  try {
    want = parseUintList(requested, Math.max(MAX_CPUS, ...have));
  } catch (err) {
    throw new InvalidParameterError(`Invalid value ${requested} for cpuset ${what}: ${(err as Error).message}`);
  }
  if ([...want].some((n) => !have.has(n))) {
    throw new InvalidParameterError(`Requested ${what === 'cpus' ? 'CPUs' : 'memory nodes'} are not available - requested ${requested}, available: ${available}`);
  }
}

/** Checks `hc` (a create's HostConfig or an update's body), discarding what the host cannot take; the warnings, in dockerd's order. */
export function verifyResources(hc: Resources, host: ResourceHost): string[] {
  const warnings: string[] = [];
  if (hc.MemorySwappiness === -1) hc.MemorySwappiness = null;
  const swappiness = hc.MemorySwappiness;
  if (swappiness !== undefined && swappiness !== null && (swappiness < 0 || swappiness > 100)) {
    throw new InvalidParameterError(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  const reservation = hc.MemoryReservation ?? 0;
  if (reservation > 0 && reservation < MIN_MEMORY) throw new InvalidParameterError('Minimum memory reservation allowed is 6MB');
  if ((hc.Memory ?? 0) > 0 && reservation > 0 && hc.Memory! < reservation) {
    throw new InvalidParameterError('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (hc.OomKillDisable && !hc.Memory) warnings.push('OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.');
  const nano = hc.NanoCpus ?? 0;
  if (nano > 0 && (hc.CpuPeriod ?? 0) > 0) throw new InvalidParameterError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (hc.CpuQuota ?? 0) > 0) throw new InvalidParameterError('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano !== 0 && (nano < 0 || nano > host.cpus * 1e9)) {
    throw new InvalidParameterError(`range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
  const period = hc.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1000000)) throw new InvalidParameterError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if ((hc.CpuQuota ?? 0) > 0 && hc.CpuQuota! < 1000) throw new InvalidParameterError('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if ((hc.CpuPercent ?? 0) > 0) {
    warnings.push('linux does not support CPU percent. Percent discarded.');
    hc.CpuPercent = 0;
  }
  checkCpuset(hc.CpusetCpus, host.cpusetCpus, 'cpus');
  checkCpuset(hc.CpusetMems, host.cpusetMems, 'mems');
  verifyBlkio(hc, host.blkio, warnings);
  return warnings;
}

/** dockerd's validateCapabilities: every name in CapAdd and CapDrop is a capability this host has. */
export function verifyCapabilities(hc: Pick<HostConfig, 'CapAdd' | 'CapDrop'>, available: readonly string[]): void {
  for (const [key, list] of [['CapAdd', hc.CapAdd], ['CapDrop', hc.CapDrop]] as const) {
    try {
      normalizeCapabilities(list ?? [], available);
    } catch (err) {
      throw new InvalidParameterError(`invalid ${key}: ${errorMessage(err)}`);
    }
  }
}
