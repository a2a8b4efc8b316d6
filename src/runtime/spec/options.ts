// Small parsers for the values a spec is built from: tmpfs option lists,
// `--device-cgroup-rule`, and the host's /proc/self/limits. Each keeps Docker's error text.

import { InvalidParameterError } from '../../errors.js';
import type { HostRlimit } from './input.js';
import type { LinuxDeviceCgroup } from './types.js';

/** Docker's ulimit names (the API's `Ulimits` arrive parsed; `--ulimit` is parsed in the CLI). */
export const ULIMIT_NAMES: readonly string[] = [
  'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc',
  'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
];

// Mount flags by the bit they set or clear: "ro"/"rw" share a key, so the later one wins.
const TMPFS_FLAG_KEY: Record<string, string> = {
  ro: 'rdonly', rw: 'rdonly', suid: 'nosuid', nosuid: 'nosuid', dev: 'nodev', nodev: 'nodev',
  exec: 'noexec', noexec: 'noexec', sync: 'sync', async: 'sync', dirsync: 'dirsync', remount: 'remount',
  mand: 'mand', nomand: 'mand', atime: 'noatime', noatime: 'noatime', diratime: 'nodiratime',
  nodiratime: 'nodiratime', bind: 'bind', rbind: 'rbind', relatime: 'relatime', norelatime: 'relatime',
  strictatime: 'strictatime', nostrictatime: 'strictatime',
  // Only one propagation mode survives.
  unbindable: 'propagation', runbindable: 'propagation', private: 'propagation', rprivate: 'propagation',
  shared: 'propagation', rshared: 'propagation', slave: 'propagation', rslave: 'propagation',
};
const TMPFS_DATA = new Set(['', 'size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/** moby's MergeTmpfsOptions: drop "defaults", keep the last of each conflicting flag or data key, in order. */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const option = options[i];
    if (option === 'defaults') continue;
    const flag = TMPFS_FLAG_KEY[option];
    let key: string;
    if (flag !== undefined) {
      key = `flag:${flag}`;
    } else {
      const eq = option.indexOf('=');
      const name = eq < 0 ? option : option.slice(0, eq);
      if (eq < 0 || !TMPFS_DATA.has(name)) throw new InvalidParameterError(`invalid tmpfs option "${name}"`);
      key = `data:${name}`;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    out.unshift(option);
  }
  return out;
}

/** Docker's defaults for a tmpfs mount; the user's options come after and win. */
export const TMPFS_DEFAULT_OPTIONS: readonly string[] = ['noexec', 'nosuid', 'nodev', 'rprivate'];

/** `--tmpfs /run:rw,size=64m` → the data part "rw,size=64m" → the merged OCI mount options. */
export function parseTmpfsOptions(data: string): string[] {
  return mergeTmpfsOptions([...TMPFS_DEFAULT_OPTIONS, ...(data === '' ? [] : data.split(','))]);
}

const CGROUP_RULE = /^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$/;

/** `--device-cgroup-rule 'c 42:* rmw'` → a devices-cgroup allow rule ("*" becomes -1). */
export function parseDeviceCgroupRule(rule: string): LinuxDeviceCgroup {
  const m = CGROUP_RULE.exec(rule);
  if (!m) throw new InvalidParameterError(`invalid device cgroup rule format: '${rule}'`);
  const num = (s: string) => (s === '*' ? -1 : Number(s));
  return { allow: true, type: m[1], major: num(m[2]), minor: num(m[3]), access: m[4] };
}

const PROC_LIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'cpu', 'Max file size': 'fsize', 'Max data size': 'data', 'Max stack size': 'stack',
  'Max core file size': 'core', 'Max resident set': 'rss', 'Max processes': 'nproc',
  'Max open files': 'nofile', 'Max locked memory': 'memlock', 'Max address space': 'as',
  'Max file locks': 'locks', 'Max pending signals': 'sigpending', 'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice', 'Max realtime priority': 'rtprio', 'Max realtime timeout': 'rttime',
};

/** The contents of /proc/self/limits → host limits by Docker's ulimit name; "unlimited" is Infinity. */
export function parseProcLimits(content: string): Record<string, HostRlimit> {
  const out: Record<string, HostRlimit> = {};
  const value = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  for (const line of content.split('\n')) {
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    const name = m && PROC_LIMIT_NAMES[m[1]];
    if (m && name) out[name] = { soft: value(m[2]), hard: value(m[3]) };
  }
  return out;
}
