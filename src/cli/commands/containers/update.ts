// tug update (resources and restart policy of one or more containers, with the run flags'
// parsers) and tug container prune (the confirmation, the deleted IDs, the space reclaimed).
import { Option, type Command } from 'commander';
import type { UpdateConfig } from '../../../types/container-views.js';
import { goQuote } from '../../format/gofmt.js';
import { humanSize, ramInBytes } from '../../format/units.js';
import { parseRestartPolicy } from '../../run/translate.js';
import { parseCPUs, parseInt as goParseInt, parseUint } from '../../run/strconv.js';
import { ExitError, client, collect, confirm, describeError, filtersFrom, out, run } from '../../context.js';
import { flagValueError } from '../../usage.js';

export interface UpdateFlags {
  blkioWeight?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  cpuShares?: string;
  cpus?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  kernelMemory?: string;
  pidsLimit?: string;
  restart?: string;
}

const int64 = (s: string) => goParseInt(s, 0, 64);

// Each flag: its label in errors and its value parser (pflag's, or docker's opts type).
const UPDATE_FLAGS: [keyof UpdateFlags, string, (s: string) => number][] = [
  ['blkioWeight', '--blkio-weight', (s) => parseUint(s, 0, 16)],
  ['cpuPeriod', '--cpu-period', int64],
  ['cpuQuota', '--cpu-quota', int64],
  ['cpuRtPeriod', '--cpu-rt-period', int64],
  ['cpuRtRuntime', '--cpu-rt-runtime', int64],
  ['cpuShares', '-c, --cpu-shares', int64],
  ['cpus', '--cpus', parseCPUs],
  ['memory', '-m, --memory', ramInBytes],
  ['memoryReservation', '--memory-reservation', ramInBytes],
  ['memorySwap', '--memory-swap', (s) => (s === '-1' ? -1 : ramInBytes(s))],
  ['kernelMemory', '--kernel-memory', ramInBytes],
  ['pidsLimit', '--pids-limit', int64],
];

/** The flags into the update body, as docker's runUpdate builds it (zeros mean "leave as is"). */
export function updateConfig(flags: UpdateFlags, cmd?: Command): UpdateConfig {
  const n: Partial<Record<keyof UpdateFlags, number>> = {};
  for (const [key, label, parse] of UPDATE_FLAGS) {
    const value = flags[key];
    if (value === undefined) continue;
    try {
      n[key] = parse(value);
    } catch (err) {
      const message = `invalid argument ${goQuote(value)} for "${label}" flag: ${(err as Error).message}`;
      throw cmd ? flagValueError(cmd, message) : new ExitError(125, message);
    }
  }
  let restart = { Name: '' as const, MaximumRetryCount: 0 } as UpdateConfig['RestartPolicy'];
  if (flags.restart) {
    try {
      restart = parseRestartPolicy(flags.restart);
    } catch (err) {
      throw new ExitError(1, (err as Error).message);
    }
  }
  // docker's Resources as Go marshals it: every field, in the struct's order.
  const body: UpdateConfig = {
    CpuShares: n.cpuShares ?? 0,
    Memory: n.memory ?? 0,
    NanoCpus: n.cpus ?? 0,
    CgroupParent: '',
    BlkioWeight: n.blkioWeight ?? 0,
    BlkioWeightDevice: null,
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: n.cpuPeriod ?? 0,
    CpuQuota: n.cpuQuota ?? 0,
    CpuRealtimePeriod: n.cpuRtPeriod ?? 0,
    CpuRealtimeRuntime: n.cpuRtRuntime ?? 0,
    CpusetCpus: flags.cpusetCpus ?? '',
    CpusetMems: flags.cpusetMems ?? '',
    Devices: null,
    DeviceCgroupRules: null,
    DeviceRequests: null,
  };
  if (n.kernelMemory) body.KernelMemory = n.kernelMemory;
  Object.assign(body, {
    MemoryReservation: n.memoryReservation ?? 0,
    MemorySwap: n.memorySwap ?? 0,
    MemorySwappiness: null,
    OomKillDisable: null,
    // A pointer: only a non-zero value is sent.
    PidsLimit: n.pidsLimit ? n.pidsLimit : null,
    Ulimits: null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    RestartPolicy: restart,
  });
  return body;
}

async function update(names: string[], flags: UpdateFlags, cmd: Command): Promise<void> {
  const given = cmd.options.filter((o) => cmd.getOptionValueSource(o.attributeName()) === 'cli').length;
  if (given === 0) throw new ExitError(1, 'you must provide one or more flags when using this command');
  const body = updateConfig(flags, cmd);
  const api = client().containers;
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      const res = await api.update(name, body);
      out(`${name}\n`);
      warnings.push(...(res.Warnings ?? []));
    } catch (err) {
      errors.push(describeError(err));
    }
  }
  if (warnings.length) out(`${warnings.join('\n')}\n`);
  if (errors.length) throw new ExitError(1, errors.join('\n'));
}

const PRUNE_WARNING = 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?';

/** The prune report as docker prints it. */
export function pruneReport(deleted: readonly string[] | null, spaceReclaimed: number): string {
  let text = '';
  let space = 0;
  if (deleted && deleted.length) {
    text = `Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`;
    space = spaceReclaimed;
  }
  return `${text}Total reclaimed space: ${humanSize(space, 4)}\n`;
}

async function prune(flags: { force?: boolean; filter?: string[] }): Promise<void> {
  const filters = filtersFrom(flags.filter);
  if (!flags.force && !(await confirm(PRUNE_WARNING))) return;
  const report = await client().containers.prune(filters);
  out(pruneReport(report.ContainersDeleted, report.SpaceReclaimed));
}

export function registerUpdateCommands(program: Command, container: Command): void {
  for (const parent of [program, container]) {
    parent.command('update').description('Update configuration of one or more containers').usage('[OPTIONS] CONTAINER [CONTAINER...]')
      .argument('<CONTAINER...>')
      .option('--blkio-weight <uint16>', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)')
      .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
      .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
      .option('--cpu-rt-period <int>', 'Limit the CPU real-time period in microseconds')
      .option('--cpu-rt-runtime <int>', 'Limit the CPU real-time runtime in microseconds')
      .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
      .option('--cpus <decimal>', 'Number of CPUs')
      .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
      .option('--cpuset-mems <string>', 'MEMs in which to allow execution (0-3, 0,1)')
      .addOption(new Option('--kernel-memory <bytes>', 'Kernel memory limit (deprecated)').hideHelp())
      .option('-m, --memory <bytes>', 'Memory limit')
      .option('--memory-reservation <bytes>', 'Memory soft limit')
      .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: -1 to enable unlimited swap")
      .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)')
      .option('--restart <string>', 'Restart policy to apply when a container exits')
      .action((names: string[], flags: UpdateFlags, cmd: Command) => run(() => update(names, flags, cmd)));
  }
  container.command('prune').description('Remove all stopped containers').usage('[OPTIONS]')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action((flags: { force?: boolean; filter?: string[] }) => run(() => prune(flags)));
}
