// The host's cgroup2 mount, set to favour task migrations.
//
// Writing a PID to cgroup.procs takes the kernel's global threadgroup rwsem for writing. Unless the
// cgroup2 superblock has the `favordynmods` option, that write first waits for an RCU grace
// period: ~7 ms on this machine for the first migration after a quiet moment, v1 hierarchies
// included. runc migrates every container's init and every exec'd process, so each `run` and
// `exec` paid it on its critical path. With the option a migration takes ~0.2 ms; the kernel's
// price is a slower path through the same lock on fork and exit. The option is the kernel's own
// knob for managers that migrate often (Documentation/admin-guide/cgroup-v2.rst); tugd sets it
// as dockerd turns on ip_forward, and `--no-cgroup-favordynmods` leaves the host as it is.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../api/server.js';
import { parseMountinfo } from '../sys/mounts.js';

export interface Cgroup2Mount {
  path: string;
  /** The superblock's options (the text after the filesystem source in mountinfo), `rw` included. */
  options: string[];
}

/** The first cgroup2 mount in /proc/self/mountinfo: the v2 root, or a hybrid host's `unified`. */
export function findCgroup2(mountinfo: string): Cgroup2Mount | undefined {
  const m = parseMountinfo(mountinfo).find((e) => e.fstype === 'cgroup2');
  return m && { path: m.mountPoint, options: m.superOptions };
}

/**
 * The `-o` of the remount that adds favordynmods, or undefined when it is already set. A cgroup2
 * remount replaces the superblock's whole option set. mount(8) merges in the ones mountinfo
 * shows, but they are restated here (nsdelegate, memory_recursiveprot, …) so that losing one
 * does not hang on how mount(8) reads an fstab.
 */
export function favordynmodsRemount(mount: Cgroup2Mount): string | undefined {
  if (mount.options.includes('favordynmods')) return undefined;
  const kept = mount.options.filter((o) => o !== 'rw' && o !== 'ro');
  return ['remount', ...kept, 'favordynmods'].join(',');
}

function remount(options: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mount', ['-o', options, path], { encoding: 'utf8' }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = stderr.split('\n').find((l) => l.trim())?.trim() ?? err.message;
      reject(new Error(why));
    });
  });
}

/**
 * Adds favordynmods to the host's cgroup2 mount when it lacks it. A host without one (pure v1),
 * a kernel older than 6.0 or a daemon without the right to remount keeps what it has: tugd only
 * says so.
 */
export async function favorMigrations(log: Logger, mountinfoPath = '/proc/self/mountinfo'): Promise<void> {
  const mount = findCgroup2(await readFile(mountinfoPath, 'utf8'));
  if (!mount) return log('debug', 'cgroups: no cgroup2 mount, task migrations keep the kernel default');
  const options = favordynmodsRemount(mount);
  if (!options) return;
  try {
    await remount(options, mount.path);
    log('info', `cgroups: set favordynmods on ${mount.path}, so a task migration no longer waits for an RCU grace period`);
  } catch (err) {
    log('warn', `cgroups: could not set favordynmods on ${mount.path} (${(err as Error).message}); each container start waits for an RCU grace period`);
  }
}
