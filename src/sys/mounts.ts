// This process's mount table (/proc/self/mountinfo): parsed once here for the cgroup mounts tugd
// looks for, and read where a mount is made only if it is not there yet (volumes, the builder's
// staging tmpfs, a shareable container's /dev/shm).
import { readFileSync } from 'node:fs';

/** mountinfo escapes space, tab, newline and backslash as octal. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export interface MountEntry {
  mountPoint: string;
  fstype: string;
  /** The superblock's options (the text after the filesystem source), `rw` included. */
  superOptions: string[];
}

/** The lines of a mountinfo text (proc(5)): the fifth field is the mount point, the fields after " - " the filesystem. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = line.slice(0, sep).split(' ')[4];
    if (!mountPoint) continue;
    const [fstype = '', , superOptions = ''] = line.slice(sep + 3).split(' ');
    out.push({ mountPoint: unescapeMountField(mountPoint), fstype, superOptions: superOptions.split(',').filter(Boolean) });
  }
  return out;
}

/** Whether `path` is a mount point now (procfs, read in place). */
export function isMountPoint(path: string): boolean {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).some((m) => m.mountPoint === path);
}
