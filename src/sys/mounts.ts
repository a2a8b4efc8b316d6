// This process's mount table (/proc/self/mountinfo), read where a mount is made only if it is not
// there yet: volumes, the builder's staging tmpfs, a shareable container's /dev/shm.
import { readFileSync } from 'node:fs';

/** mountinfo escapes space, tab, newline and backslash as octal. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Whether `path` is a mount point now (procfs, read in place). */
export function isMountPoint(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => {
    const field = l.split(' ')[4];
    return field !== undefined && unescapeMountField(field) === path;
  });
}
