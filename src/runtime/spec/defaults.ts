// Docker's defaults for a Linux container (moby daemon/pkg/oci/defaults.go and caps/defaults.go):
// what a container gets when the user asks for nothing special.

import type { LinuxDeviceCgroup, Mount, Spec } from './types.js';

/** The runtime-spec version written into config.json. */
export const OCI_VERSION = '1.1.0';

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The 14 capabilities every container starts with. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability Linux knows, in bit order (bit n is the n-th entry): CHOWN is 0, CHECKPOINT_RESTORE 40. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Paths under /proc and /sys hidden from the container (bind of /dev/null or an empty tmpfs). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
];

/** Docker also masks /sys/devices/system/cpu/cpuN/thermal_throttle for each CPU where it exists. */
export function thermalThrottlePaths(cpus: readonly number[]): string[] {
  return cpus.map((n) => `/sys/devices/system/cpu/cpu${n}/thermal_throttle`);
}

export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** RLIMIT_NOFILE a Docker container sees on a stock host (containerd runs with LimitNOFILE=infinity). */
export const DEFAULT_ULIMITS: readonly { name: string; soft: number; hard: number }[] = [
  { name: 'nofile', soft: 1048576, hard: 1048576 },
];

/** Sysctls Docker sets in a container's own network namespace. */
export const DEFAULT_NETWORK_SYSCTLS: Readonly<Record<string, string>> = {
  'net.ipv4.ping_group_range': '0 2147483647',
  'net.ipv4.ip_unprivileged_port_start': '0',
};

/** Where Docker binds the init binary, and what it prepends to the argv. */
export const INIT_PATH = '/sbin/docker-init';

function defaultMounts(): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts', type: 'devpts', source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777'] },
  ];
}

const allowChar = (major: number, minor: number): LinuxDeviceCgroup =>
  ({ allow: true, type: 'c', major, minor, access: 'rwm' });

/**
 * Deny everything, then allow the nodes runc creates anyway (null, zero, full, random, urandom,
 * tty, console, ptmx come from the runtime-spec's default devices) and deny fuse explicitly.
 */
export function defaultDeviceCgroupRules(): LinuxDeviceCgroup[] {
  return [
    { allow: false, access: 'rwm' },
    allowChar(1, 5), // zero
    allowChar(1, 3), // null
    allowChar(1, 9), // urandom
    allowChar(1, 8), // random
    allowChar(5, 0), // tty
    allowChar(5, 1), // console
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // fuse
  ];
}

/** Docker's default Linux spec, before anything about the container is known. A fresh copy each call. */
export function defaultSpec(): Spec {
  const caps = [...DEFAULT_CAPABILITIES];
  return {
    ociVersion: OCI_VERSION,
    process: {
      user: { uid: 0, gid: 0 },
      cwd: '/',
      capabilities: { bounding: [...caps], permitted: [...caps], effective: [...caps] },
    },
    root: { path: 'rootfs' },
    mounts: defaultMounts(),
    linux: {
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      // No time namespace: runc 1.1 does not know it (Docker drops it when unsupported too).
      namespaces: [{ type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }],
      devices: [],
      resources: { devices: defaultDeviceCgroupRules() },
    },
  };
}

/**
 * Docker's process environment: PATH, HOSTNAME and (with a tty) TERM=xterm, then the image's and
 * user's variables replacing or appending by name; a bare "NAME" removes NAME.
 */
export function containerEnv(hostname: string, tty: boolean, ...overrides: (readonly string[])[]): string[] {
  const env: (string | undefined)[] = [DEFAULT_PATH_ENV, `HOSTNAME=${hostname}`];
  if (tty) env.push('TERM=xterm');
  for (const list of overrides) {
    const index = new Map<string, number>();
    env.forEach((e, i) => { if (e !== undefined) index.set(e.slice(0, e.indexOf('=')), i); });
    for (const value of list) {
      const eq = value.indexOf('=');
      const at = index.get(eq < 0 ? value : value.slice(0, eq));
      if (eq < 0) {
        if (at !== undefined) env[at] = undefined;
      } else if (at !== undefined) {
        env[at] = value;
      } else {
        env.push(value);
      }
    }
  }
  return env.filter((e): e is string => e !== undefined);
}
