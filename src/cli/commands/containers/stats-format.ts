// docker stats' numbers from one StatsResponse (CPU % from the sample and its precpu_stats,
// memory without the inactive file cache on cgroup v1 and v2, block and network I/O) and its columns.
import type { BlkioStats, ContainerStats, MemoryStats, NetworkStats } from '../../../types/container-views.js';
import { formatFloat } from '../../format/gofloat.js';
import { markAsGoMap } from '../../format/gojson.js';
import { bytesSize, humanSizeWithPrecision } from '../../format/units.js';
import { truncateID } from './list-format.js';

export const DEFAULT_STATS_TABLE_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

export const STATS_HEADERS: Record<string, string> = {
  Container: 'CONTAINER', Name: 'NAME', ID: 'CONTAINER ID', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

/** docker/cli's StatsEntry: what one sample comes to. */
export interface StatsEntry {
  /** The name or ID the user gave (or the short ID when listing all). */
  Container: string;
  Name: string;
  ID: string;
  CPUPercentage: number;
  Memory: number;
  MemoryLimit: number;
  MemoryPercentage: number;
  NetworkRx: number;
  NetworkTx: number;
  BlockRead: number;
  BlockWrite: number;
  PidsCurrent: number;
  /** No fresh sample (an error, or none within 2 s): the columns show "--". */
  IsInvalid: boolean;
}

export function emptyEntry(container: string): StatsEntry {
  return {
    Container: container, Name: '', ID: '', CPUPercentage: 0, Memory: 0, MemoryLimit: 0, MemoryPercentage: 0,
    NetworkRx: 0, NetworkTx: 0, BlockRead: 0, BlockWrite: 0, PidsCurrent: 0, IsInvalid: false,
  };
}

/** The container's share of the host's CPU time between the two samples, times the CPUs online. */
export function cpuPercentUnix(v: ContainerStats): number {
  const previousCPU = v.precpu_stats?.cpu_usage?.total_usage ?? 0;
  const previousSystem = v.precpu_stats?.system_cpu_usage ?? 0;
  const cpuDelta = (v.cpu_stats?.cpu_usage?.total_usage ?? 0) - previousCPU;
  const systemDelta = (v.cpu_stats?.system_cpu_usage ?? 0) - previousSystem;
  let online = v.cpu_stats?.online_cpus ?? 0;
  if (online === 0) online = v.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Bytes read and written, summed over devices: ops starting with r/R and w/W. */
export function blockIO(blkio: BlkioStats | undefined): [number, number] {
  let read = 0;
  let written = 0;
  for (const e of blkio?.io_service_bytes_recursive ?? []) {
    const op = e.op?.[0];
    if (op === 'r' || op === 'R') read += e.value;
    else if (op === 'w' || op === 'W') written += e.value;
  }
  return [read, written];
}

export function networkIO(networks: Record<string, NetworkStats> | undefined): [number, number] {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  return [rx, tx];
}

/**
 * Usage without the page cache that could be reclaimed: total_inactive_file on cgroup v1,
 * inactive_file on v2 (as cadvisor and containerd count it).
 */
export function memUsageNoCache(mem: MemoryStats | undefined): number {
  const usage = mem?.usage ?? 0;
  const stats = mem?.stats ?? {};
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

export function memPercent(limit: number, used: number): number {
  return limit !== 0 ? (used / limit) * 100 : 0;
}

/** One sample into the entry docker shows (Linux daemons). */
export function statsEntry(container: string, v: ContainerStats): StatsEntry {
  const [blkRead, blkWrite] = blockIO(v.blkio_stats);
  const [rx, tx] = networkIO(v.networks);
  const mem = memUsageNoCache(v.memory_stats);
  const limit = v.memory_stats?.limit ?? 0;
  return {
    Container: container,
    Name: v.name ?? '',
    ID: v.id ?? '',
    CPUPercentage: cpuPercentUnix(v),
    Memory: mem,
    MemoryLimit: limit,
    MemoryPercentage: memPercent(limit, mem),
    NetworkRx: rx,
    NetworkTx: tx,
    BlockRead: blkRead,
    BlockWrite: blkWrite,
    PidsCurrent: v.pids_stats?.current ?? 0,
    IsInvalid: false,
  };
}

function percentage(v: number): string {
  return `${formatFloat(v, 'f', 2)}%`;
}

export interface StatsRow {
  Container: string;
  Name: string;
  ID: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

/** docker's statsContext: the columns of one entry. */
export function statsRow(s: StatsEntry, trunc: boolean): StatsRow {
  const invalid = s.IsInvalid;
  return markAsGoMap({
    Container: s.Container,
    Name: s.Name.length > 1 ? s.Name.slice(1) : '--',
    ID: trunc ? truncateID(s.ID) : s.ID,
    CPUPerc: invalid ? '--' : percentage(s.CPUPercentage),
    MemUsage: invalid ? '-- / --' : `${bytesSize(s.Memory)} / ${bytesSize(s.MemoryLimit)}`,
    MemPerc: invalid ? '--' : percentage(s.MemoryPercentage),
    NetIO: invalid ? '--' : `${humanSizeWithPrecision(s.NetworkRx, 3)} / ${humanSizeWithPrecision(s.NetworkTx, 3)}`,
    BlockIO: invalid ? '--' : `${humanSizeWithPrecision(s.BlockRead, 3)} / ${humanSizeWithPrecision(s.BlockWrite, 3)}`,
    PIDs: invalid ? '--' : String(s.PidsCurrent),
  });
}

/** NewStatsFormat: "table" (or nothing) is the default table. */
export function statsFormat(source: string): string {
  return source === '' || source === 'table' ? DEFAULT_STATS_TABLE_FORMAT : source;
}

/** One frame of the live view: home, each line cleared to its end, the rest of the screen cleared. */
export function redrawFrame(text: string): string {
  const lines = text.split('\n');
  return `\x1b[H${lines.map((l) => `${l}\x1b[K\n`).join('')}\x1b[J`;
}
