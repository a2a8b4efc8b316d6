// `docker update` (resources and restart policy of a live or stopped container) and
// `docker container prune`.
import { InvalidParameterError } from '../errors.js';
import type { HostConfig, Resources, RestartPolicy } from '../types/container.js';
import { validateHostConfig } from './create.js';
import type { ContainerRecord } from './types.js';

export type UpdateBody = Resources & { RestartPolicy?: RestartPolicy };

const UPDATABLE: (keyof Resources)[] = [
  'CpuShares', 'Memory', 'MemoryReservation', 'MemorySwap', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'CpusetCpus', 'CpusetMems', 'PidsLimit', 'BlkioWeight',
];

/** The new host config, validated as dockerd does before touching the running container. */
export function updatedHostConfig(rec: ContainerRecord, body: UpdateBody): HostConfig {
  const hc: HostConfig = { ...rec.HostConfig };
  for (const key of UPDATABLE) {
    const v = body[key];
    if (v !== undefined && v !== null && v !== 0 && v !== '') (hc as Record<string, unknown>)[key] = v;
  }
  if (body.PidsLimit !== undefined && body.PidsLimit !== null) hc.PidsLimit = body.PidsLimit;
  if (body.RestartPolicy?.Name) {
    if (rec.HostConfig.AutoRemove && body.RestartPolicy.Name !== 'no') {
      throw new InvalidParameterError('Cannot update container: Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    hc.RestartPolicy = body.RestartPolicy;
  }
  if (body.NanoCpus && (hc.CpuPeriod || hc.CpuQuota)) throw new InvalidParameterError('Cannot update container: Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (body.Memory && rec.HostConfig.MemorySwap && rec.HostConfig.MemorySwap > 0 && !body.MemorySwap && body.Memory > rec.HostConfig.MemorySwap) {
    throw new InvalidParameterError('Cannot update container: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  validateHostConfig(hc);
  return hc;
}

/** The runtime's LinuxResources for `runc update`. */
export function linuxResources(hc: HostConfig): Record<string, unknown> {
  const memory: Record<string, number> = {};
  if (hc.Memory) memory.limit = hc.Memory;
  if (hc.MemoryReservation) memory.reservation = hc.MemoryReservation;
  if (hc.MemorySwap) memory.swap = hc.MemorySwap;
  else if (hc.Memory) memory.swap = hc.Memory * 2;
  const cpu: Record<string, unknown> = {};
  if (hc.CpuShares) cpu.shares = hc.CpuShares;
  if (hc.NanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.round((hc.NanoCpus * 100_000) / 1e9);
  } else {
    if (hc.CpuPeriod) cpu.period = hc.CpuPeriod;
    if (hc.CpuQuota) cpu.quota = hc.CpuQuota;
  }
  if (hc.CpusetCpus) cpu.cpus = hc.CpusetCpus;
  if (hc.CpusetMems) cpu.mems = hc.CpusetMems;
  const out: Record<string, unknown> = { memory, cpu };
  if (hc.PidsLimit !== undefined && hc.PidsLimit !== null) out.pids = { limit: hc.PidsLimit > 0 ? hc.PidsLimit : -1 };
  if (hc.BlkioWeight) out.blockIO = { weight: hc.BlkioWeight };
  return out;
}

/** `container prune` filters: until (a timestamp or duration the client resolved) and label. */
export function prunable(rec: ContainerRecord, filters: Record<string, string[]>, now = Date.now()): boolean {
  for (const key of Object.keys(filters)) {
    if (!['until', 'label', 'label!'].includes(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
  }
  if (rec.State.Running || rec.State.Paused || rec.State.Restarting) return false;
  const labels = rec.Config.Labels ?? {};
  const match = (expr: string) => {
    const i = expr.indexOf('=');
    return i < 0 ? expr in labels : labels[expr.slice(0, i)] === expr.slice(i + 1);
  };
  if (filters.label?.length && !filters.label.every(match)) return false;
  if (filters['label!']?.length && filters['label!'].some(match)) return false;
  for (const u of filters.until ?? []) {
    const limit = untilToMs(u, now);
    if (Date.parse(rec.Created) >= limit) return false;
  }
  return true;
}

/** An `until` value: unix seconds[.nanos], an RFC3339 date, or a Go duration back from now. */
export function untilToMs(value: string, now: number): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const d = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(value);
  if (d) return now - Number(d[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[d[2] as 'h' | 'm' | 's' | 'ms'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidParameterError(`invalid filter 'until=${value}'`);
  return t;
}
