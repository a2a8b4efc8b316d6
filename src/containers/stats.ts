// `docker stats` from the container's cgroup (v1 controllers or the v2 unified tree) and its
// network namespace, in the Engine API's StatsJSON shape. dockerd samples once a second.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { rfc3339Nano, nowNano } from '../units/time.js';
import { resolveCgroup } from './cgroup.js';
import { ZERO_TIME } from './types.js';

const CGROUP = '/sys/fs/cgroup';
const CLK_TCK = 100;
const isV2 = existsSync(`${CGROUP}/cgroup.controllers`);

async function text(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function num(path: string): Promise<number | undefined> {
  const t = await text(path);
  if (t === undefined) return undefined;
  const v = t.trim();
  return v === 'max' ? undefined : Number(v);
}

function keyValues(t: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (t ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** Host CPU time in ns (the sum of /proc/stat's cpu line) and the number of online CPUs. */
async function systemCPU(): Promise<{ usage: number; online: number }> {
  const stat = (await text('/proc/stat')) ?? '';
  const line = stat.split('\n').find((l) => l.startsWith('cpu '))?.trim().split(/\s+/).slice(1, 8) ?? [];
  const ticks = line.reduce((n, v) => n + Number(v), 0);
  const online = stat.split('\n').filter((l) => /^cpu\d+ /.test(l)).length;
  return { usage: (ticks * 1e9) / CLK_TCK, online };
}

async function networks(pid: number): Promise<Record<string, Record<string, number>> | undefined> {
  if (!pid) return undefined;
  const t = await text(`/proc/${pid}/net/dev`);
  if (!t) return undefined;
  const out: Record<string, Record<string, number>> = {};
  for (const line of t.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out[m[1]!] = { rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, rx_dropped: f[3]!, tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]!, tx_dropped: f[11]! };
  }
  return out;
}

function blkioEntries(t: string | undefined): { major: number; minor: number; op: string; value: number }[] {
  const out: { major: number; minor: number; op: string; value: number }[] = [];
  for (const line of (t ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!.toLowerCase(), value: Number(m[4]) });
  }
  return out;
}

export interface CPUStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

const EMPTY_CPU: CPUStats = { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };

async function sampleV1(cgroup: string): Promise<Omit<Sample, 'networks'>> {
  const p = (ctrl: string, file: string) => `${CGROUP}/${ctrl}${resolveCgroup(cgroup, ctrl)}/${file}`;
  const [usage, percpu, acct, throttle, memUsage, memMax, memLimit, memStat, pids, pidsMax, blkio] = await Promise.all([
    num(p('cpuacct', 'cpuacct.usage')), text(p('cpuacct', 'cpuacct.usage_percpu')), text(p('cpuacct', 'cpuacct.stat')), text(p('cpu', 'cpu.stat')),
    num(p('memory', 'memory.usage_in_bytes')), num(p('memory', 'memory.max_usage_in_bytes')), num(p('memory', 'memory.limit_in_bytes')), text(p('memory', 'memory.stat')),
    num(p('pids', 'pids.current')), num(p('pids', 'pids.max')), text(p('blkio', 'blkio.throttle.io_service_bytes_recursive')),
  ]);
  const a = keyValues(acct);
  const t = keyValues(throttle);
  return {
    cpu: {
      cpu_usage: { total_usage: usage ?? 0, percpu_usage: percpu?.trim().split(/\s+/).map(Number), usage_in_kernelmode: ((a.system ?? 0) * 1e9) / CLK_TCK, usage_in_usermode: ((a.user ?? 0) * 1e9) / CLK_TCK },
      throttling_data: { periods: t.nr_periods ?? 0, throttled_periods: t.nr_throttled ?? 0, throttled_time: t.throttled_time ?? 0 },
    },
    memory: { usage: memUsage ?? 0, max_usage: memMax, limit: Math.min(memLimit ?? Infinity, totalmem()), stats: keyValues(memStat) },
    pids: { current: pids ?? 0, limit: pidsMax },
    blkio: blkioEntries(blkio),
  };
}

async function sampleV2(cgroup: string): Promise<Omit<Sample, 'networks'>> {
  const p = (file: string) => `${CGROUP}${resolveCgroup(cgroup, '')}/${file}`;
  const [cpuStat, memCurrent, memMax, memStat, pids, pidsMax, io] = await Promise.all([
    text(p('cpu.stat')), num(p('memory.current')), num(p('memory.max')), text(p('memory.stat')), num(p('pids.current')), num(p('pids.max')), text(p('io.stat')),
  ]);
  const c = keyValues(cpuStat);
  const blkio: Sample['blkio'] = [];
  for (const line of (io ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const kv = Object.fromEntries(m[3]!.split(' ').map((x) => x.split('=')));
    blkio.push({ major: Number(m[1]), minor: Number(m[2]), op: 'read', value: Number(kv.rbytes ?? 0) }, { major: Number(m[1]), minor: Number(m[2]), op: 'write', value: Number(kv.wbytes ?? 0) });
  }
  return {
    cpu: {
      cpu_usage: { total_usage: (c.usage_usec ?? 0) * 1000, usage_in_kernelmode: (c.system_usec ?? 0) * 1000, usage_in_usermode: (c.user_usec ?? 0) * 1000 },
      throttling_data: { periods: c.nr_periods ?? 0, throttled_periods: c.nr_throttled ?? 0, throttled_time: (c.throttled_usec ?? 0) * 1000 },
    },
    memory: { usage: memCurrent ?? 0, limit: Math.min(memMax ?? Infinity, totalmem()), stats: keyValues(memStat) },
    pids: { current: pids ?? 0, limit: pidsMax },
    blkio,
  };
}

interface Sample {
  cpu: CPUStats;
  memory: { usage: number; max_usage?: number; limit: number; stats: Record<string, number> };
  pids: { current: number; limit?: number };
  blkio: { major: number; minor: number; op: string; value: number }[];
  networks?: Record<string, Record<string, number>>;
}

export interface StatsReading {
  read: string;
  cpu: CPUStats;
  json: Record<string, unknown>;
}

/** One StatsJSON; `previous` supplies precpu_stats and preread as dockerd's collector does. */
/** `cgroup`: the container's cgroupsPath (cgroup.ts). */
export async function readStats(id: string, name: string, pid: number, cgroup: string, previous?: StatsReading): Promise<StatsReading> {
  const [s, sys, nets] = await Promise.all([isV2 ? sampleV2(cgroup) : sampleV1(cgroup), systemCPU(), networks(pid)]);
  const read = rfc3339Nano(nowNano());
  const cpu: CPUStats = { ...s.cpu, system_cpu_usage: sys.usage, online_cpus: sys.online };
  const json: Record<string, unknown> = {
    name,
    id,
    read,
    preread: previous?.read ?? ZERO_TIME,
    pids_stats: s.pids,
    blkio_stats: { io_service_bytes_recursive: s.blkio, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu,
    precpu_stats: previous?.cpu ?? EMPTY_CPU,
    memory_stats: s.memory,
  };
  if (nets) json.networks = nets;
  return { read, cpu, json };
}

/** The stats of a container that is not running: zeros, as dockerd sends them. */
export function emptyStats(id: string, name: string): Record<string, unknown> {
  return {
    name, id, read: ZERO_TIME, preread: ZERO_TIME, pids_stats: {}, blkio_stats: {}, num_procs: 0, storage_stats: {},
    cpu_stats: EMPTY_CPU, precpu_stats: EMPTY_CPU, memory_stats: {},
  };
}

/**
 * Whether the kernel's OOM killer struck in the container's memory cgroup (read before it goes).
 * A read of cgroupfs never waits on a disk: done in place, it skips four thread-pool round trips on
 * every exit.
 */
export function oomKilled(cgroup: string): boolean {
  let counters: string;
  try {
    counters = readFileSync(isV2 ? `${CGROUP}${resolveCgroup(cgroup, '')}/memory.events` : `${CGROUP}/memory${resolveCgroup(cgroup, 'memory')}/memory.oom_control`, 'utf8');
  } catch {
    return false;
  }
  return /^oom_kill [1-9]/m.test(counters);
}
