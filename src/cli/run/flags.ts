// The flags of `docker run` and `docker create`, with docker's names, shorthands and help.
// Values are kept as the strings typed: checking and converting them is translate.ts' job,
// so that every error reads the way docker prints it.

import { Command, Option } from 'commander';
import { acceptPflagSyntax } from '../pflag.js';

export type RunVerb = 'run' | 'create';

export interface RunFlagSpec {
  /** The long name, without dashes. */
  long: string;
  short?: string;
  /** pflag's value type as docker's help shows it ("list", "bytes", …); none for booleans. */
  type?: string;
  help: string;
  /** Repeatable: every use adds to an array. */
  repeat?: boolean;
  /** A hidden second name whose values go to another flag (--net for --network). */
  aliasOf?: string;
  /** Only on `docker run`. */
  runOnly?: boolean;
  /** Only meaningful against a Windows daemon. */
  windowsOnly?: boolean;
}

const list = (long: string, help: string, extra: Partial<RunFlagSpec> = {}): RunFlagSpec => ({ long, type: 'list', help, repeat: true, ...extra });
const str = (long: string, help: string, extra: Partial<RunFlagSpec> = {}): RunFlagSpec => ({ long, type: 'string', help, ...extra });
const bool = (long: string, help: string, extra: Partial<RunFlagSpec> = {}): RunFlagSpec => ({ long, help, ...extra });
const typed = (long: string, type: string, help: string, extra: Partial<RunFlagSpec> = {}): RunFlagSpec => ({ long, type, help, ...extra });

const CGROUPNS_HELP = `Cgroup namespace to use (host|private)
'host':    Run the container in the Docker host's cgroup namespace
'private': Run the container in its own private cgroup namespace
'':        Use the cgroup namespace as configured by the
           default-cgroupns-mode option on the daemon (default)`;

/** Every flag, in docker's help order. */
export const RUN_FLAGS: readonly RunFlagSpec[] = [
  list('add-host', 'Add a custom host-to-IP mapping (host:ip)'),
  typed('annotation', 'map', 'Add an annotation to the container (passed through to the OCI runtime)', { repeat: true }),
  list('attach', 'Attach to STDIN, STDOUT or STDERR', { short: 'a' }),
  typed('blkio-weight', 'uint16', 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)'),
  list('blkio-weight-device', 'Block IO weight (relative device weight)'),
  list('cap-add', 'Add Linux capabilities'),
  list('cap-drop', 'Drop Linux capabilities'),
  str('cgroup-parent', 'Optional parent cgroup for the container'),
  str('cgroupns', CGROUPNS_HELP),
  str('cidfile', 'Write the container ID to the file'),
  typed('cpu-count', 'int', 'CPU count (Windows only)', { windowsOnly: true }),
  typed('cpu-percent', 'int', 'CPU percent (Windows only)', { windowsOnly: true }),
  typed('cpu-period', 'int', 'Limit CPU CFS (Completely Fair Scheduler) period'),
  typed('cpu-quota', 'int', 'Limit CPU CFS (Completely Fair Scheduler) quota'),
  typed('cpu-rt-period', 'int', 'Limit CPU real-time period in microseconds'),
  typed('cpu-rt-runtime', 'int', 'Limit CPU real-time runtime in microseconds'),
  typed('cpu-shares', 'int', 'CPU shares (relative weight)', { short: 'c' }),
  typed('cpus', 'decimal', 'Number of CPUs'),
  str('cpuset-cpus', 'CPUs in which to allow execution (0-3, 0,1)'),
  str('cpuset-mems', 'MEMs in which to allow execution (0-3, 0,1)'),
  bool('detach', 'Run container in background and print container ID', { short: 'd', runOnly: true }),
  str('detach-keys', 'Override the key sequence for detaching a container', { runOnly: true }),
  list('device', 'Add a host device to the container'),
  list('device-cgroup-rule', 'Add a rule to the cgroup allowed devices list'),
  list('device-read-bps', 'Limit read rate (bytes per second) from a device'),
  list('device-read-iops', 'Limit read rate (IO per second) from a device'),
  list('device-write-bps', 'Limit write rate (bytes per second) to a device'),
  list('device-write-iops', 'Limit write rate (IO per second) to a device'),
  bool('disable-content-trust', 'Skip image verification (default true)'),
  list('dns', 'Set custom DNS servers'),
  list('dns-option', 'Set DNS options'),
  list('dns-opt', 'Set DNS options', { aliasOf: 'dns-option' }),
  list('dns-search', 'Set custom DNS search domains'),
  str('domainname', 'Container NIS domain name'),
  str('entrypoint', 'Overwrite the default ENTRYPOINT of the image'),
  list('env', 'Set environment variables', { short: 'e' }),
  list('env-file', 'Read in a file of environment variables'),
  list('expose', 'Expose a port or a range of ports'),
  typed('gpus', 'gpu-request', "GPU devices to add to the container ('all' to pass all GPUs)", { repeat: true }),
  list('group-add', 'Add additional groups to join'),
  str('health-cmd', 'Command to run to check health'),
  typed('health-interval', 'duration', 'Time between running the check (ms|s|m|h) (default 0s)'),
  typed('health-retries', 'int', 'Consecutive failures needed to report unhealthy'),
  typed('health-start-interval', 'duration', 'Time between running the check during the start period (ms|s|m|h) (default 0s)'),
  typed('health-start-period', 'duration', 'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)'),
  typed('health-timeout', 'duration', 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)'),
  str('hostname', 'Container host name', { short: 'h' }),
  bool('init', 'Run an init inside the container that forwards signals and reaps processes'),
  bool('interactive', 'Keep STDIN open even if not attached', { short: 'i' }),
  typed('io-maxbandwidth', 'bytes', 'Maximum IO bandwidth limit for the system drive (Windows only)', { windowsOnly: true }),
  typed('io-maxiops', 'uint', 'Maximum IOps limit for the system drive (Windows only)', { windowsOnly: true }),
  str('ip', 'IPv4 address (e.g., 172.30.100.104)'),
  str('ip6', 'IPv6 address (e.g., 2001:db8::33)'),
  str('ipc', 'IPC mode to use'),
  str('isolation', 'Container isolation technology'),
  typed('kernel-memory', 'bytes', 'Kernel memory limit'),
  list('label', 'Set meta data on a container', { short: 'l' }),
  list('label-file', 'Read in a line delimited file of labels'),
  list('link', 'Add link to another container'),
  list('link-local-ip', 'Container IPv4/IPv6 link-local addresses'),
  str('log-driver', 'Logging driver for the container'),
  list('log-opt', 'Log driver options'),
  str('mac-address', 'Container MAC address (e.g., 92:d0:c6:0a:29:33)'),
  typed('memory', 'bytes', 'Memory limit', { short: 'm' }),
  typed('memory-reservation', 'bytes', 'Memory soft limit'),
  typed('memory-swap', 'bytes', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),
  typed('memory-swappiness', 'int', 'Tune container memory swappiness (0 to 100) (default -1)'),
  typed('mount', 'mount', 'Attach a filesystem mount to the container', { repeat: true }),
  str('name', 'Assign a name to the container'),
  typed('network', 'network', 'Connect a container to a network', { repeat: true }),
  typed('net', 'network', 'Connect a container to a network', { repeat: true, aliasOf: 'network' }),
  list('network-alias', 'Add network-scoped alias for the container'),
  list('net-alias', 'Add network-scoped alias for the container', { aliasOf: 'network-alias' }),
  bool('no-healthcheck', 'Disable any container-specified HEALTHCHECK'),
  bool('oom-kill-disable', 'Disable OOM Killer'),
  typed('oom-score-adj', 'int', "Tune host's OOM preferences (-1000 to 1000)"),
  str('pid', 'PID namespace to use'),
  typed('pids-limit', 'int', 'Tune container pids limit (set -1 for unlimited)'),
  str('platform', 'Set platform if server is multi-platform capable'),
  bool('privileged', 'Give extended privileges to this container'),
  list('publish', "Publish a container's port(s) to the host", { short: 'p' }),
  bool('publish-all', 'Publish all exposed ports to random ports', { short: 'P' }),
  str('pull', 'Pull image before running ("always", "missing", "never") (default "missing")'),
  bool('quiet', 'Suppress the pull output', { short: 'q' }),
  bool('read-only', "Mount the container's root filesystem as read only"),
  str('restart', 'Restart policy to apply when a container exits (default "no")'),
  bool('rm', 'Automatically remove the container and its associated anonymous volumes when it exits'),
  str('runtime', 'Runtime to use for this container'),
  list('security-opt', 'Security Options'),
  typed('shm-size', 'bytes', 'Size of /dev/shm'),
  bool('sig-proxy', 'Proxy received signals to the process (default true)', { runOnly: true }),
  str('stop-signal', 'Signal to stop the container'),
  typed('stop-timeout', 'int', 'Timeout (in seconds) to stop a container'),
  list('storage-opt', 'Storage driver options for the container'),
  typed('sysctl', 'map', 'Sysctl options', { repeat: true }),
  list('tmpfs', 'Mount a tmpfs directory'),
  bool('tty', 'Allocate a pseudo-TTY', { short: 't' }),
  typed('ulimit', 'ulimit', 'Ulimit options', { repeat: true }),
  str('user', 'Username or UID (format: <name|uid>[:<group|gid>])', { short: 'u' }),
  str('userns', 'User namespace to use'),
  str('uts', 'UTS namespace to use'),
  list('volume', 'Bind mount a volume', { short: 'v' }),
  str('volume-driver', 'Optional volume driver for the container'),
  list('volumes-from', 'Mount volumes from the specified container(s)'),
  str('workdir', 'Working directory inside the container', { short: 'w' }),
];

/** The values commander collects, keyed by attribute name; all strings as typed. */
export interface RunFlags {
  addHost?: string[]; annotation?: string[]; attach?: string[];
  blkioWeight?: string; blkioWeightDevice?: string[];
  capAdd?: string[]; capDrop?: string[]; cgroupParent?: string; cgroupns?: string; cidfile?: string;
  cpuCount?: string; cpuPercent?: string; cpuPeriod?: string; cpuQuota?: string; cpuRtPeriod?: string;
  cpuRtRuntime?: string; cpuShares?: string; cpus?: string; cpusetCpus?: string; cpusetMems?: string;
  detach?: boolean; detachKeys?: string;
  device?: string[]; deviceCgroupRule?: string[];
  deviceReadBps?: string[]; deviceReadIops?: string[]; deviceWriteBps?: string[]; deviceWriteIops?: string[];
  disableContentTrust?: boolean;
  dns?: string[]; dnsOption?: string[]; dnsSearch?: string[]; domainname?: string;
  entrypoint?: string; env?: string[]; envFile?: string[]; expose?: string[];
  gpus?: string[]; groupAdd?: string[];
  healthCmd?: string; healthInterval?: string; healthRetries?: string; healthStartInterval?: string;
  healthStartPeriod?: string; healthTimeout?: string;
  /** false when --no-healthcheck was given (commander's name for a "--no-" flag). */
  healthcheck?: boolean;
  hostname?: string; init?: boolean; interactive?: boolean;
  ioMaxbandwidth?: string; ioMaxiops?: string;
  ip?: string; ip6?: string; ipc?: string; isolation?: string; kernelMemory?: string;
  label?: string[]; labelFile?: string[]; link?: string[]; linkLocalIp?: string[];
  logDriver?: string; logOpt?: string[]; macAddress?: string;
  memory?: string; memoryReservation?: string; memorySwap?: string; memorySwappiness?: string;
  mount?: string[]; name?: string; network?: string[]; networkAlias?: string[];
  oomKillDisable?: boolean; oomScoreAdj?: string;
  pid?: string; pidsLimit?: string; platform?: string; privileged?: boolean;
  publish?: string[]; publishAll?: boolean; pull?: string; quiet?: boolean;
  readOnly?: boolean; restart?: string; rm?: boolean; runtime?: string;
  securityOpt?: string[]; shmSize?: string; sigProxy?: boolean;
  stopSignal?: string; stopTimeout?: string; storageOpt?: string[]; sysctl?: string[];
  tmpfs?: string[]; tty?: boolean; ulimit?: string[];
  user?: string; userns?: string; uts?: string;
  volume?: string[]; volumeDriver?: string; volumesFrom?: string[]; workdir?: string;
}

/** A flag's name as docker's errors print it: "-p, --publish" or "--cpus". */
export function flagLabel(long: string): string {
  const spec = RUN_FLAGS.find((f) => f.long === long);
  return spec?.short ? `-${spec.short}, --${long}` : `--${long}`;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** A flag's key in RunFlags, as commander names it: "cpu-shares" → "cpuShares". */
export const flagKey = (long: string): string => long.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Registers the flags of `docker run` (or `docker create`, without -d, --detach-keys and
 * --sig-proxy) on cmd, and `--help` without its "-h" (which is --hostname). The caller adds
 * the IMAGE and COMMAND arguments and `.passThroughOptions()`, so flags end at the image.
 */
export function addRunFlags(cmd: Command, verb: RunVerb = 'run'): Command {
  cmd.helpOption('--help', 'Print usage');
  for (const spec of RUN_FLAGS) {
    if (spec.runOnly && verb !== 'run') continue;
    let help = spec.help;
    if (spec.long === 'pull' && verb === 'create') help = help.replace('before running', 'before creating');
    const flags = `${spec.short ? `-${spec.short}, ` : ''}--${spec.long}${spec.type ? ` <${spec.type}>` : ''}`;
    const option = new Option(flags, help);
    if (spec.aliasOf) {
      const target = flagKey(spec.aliasOf);
      option.hideHelp().argParser((value: string) => {
        cmd.setOptionValueWithSource(target, collect(value, cmd.getOptionValue(target) as string[] | undefined), 'cli');
        return undefined;
      });
    } else if (spec.repeat) {
      option.argParser(collect);
    }
    cmd.addOption(option);
    // "--rm=false" becomes "--no-rm"; commander needs the negation declared.
    if (!spec.type && !spec.long.startsWith('no-')) cmd.addOption(new Option(`--no-${spec.long}`).hideHelp());
  }
  // Flags end at the image: what follows is the container's command.
  acceptPflagSyntax(cmd, false);
  return cmd;
}
